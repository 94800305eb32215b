"""The local lake behaves as an object store: a key's folders exist only while they hold keys."""

from shared.lake.storage import LocalStorage


async def test_deleting_the_last_key_of_a_folder_removes_the_folder(tmp_path):
    storage = LocalStorage(tmp_path)
    await storage.write_atomic("staging/job-1/a.parquet", b"a")
    await storage.write_atomic("staging/job-1/b.parquet", b"b")
    await storage.write_atomic("staging/job-2/c.parquet", b"c")

    await storage.delete("staging/job-1/a.parquet")
    assert (tmp_path / "staging" / "job-1").is_dir()  # b still lives there

    await storage.delete("staging/job-1/b.parquet")
    assert not (tmp_path / "staging" / "job-1").exists()
    assert await storage.list("staging") == ["staging/job-2/c.parquet"]

    await storage.delete("staging/job-2/c.parquet")
    assert not (tmp_path / "staging").exists() and tmp_path.is_dir()  # the lake's root stays


async def test_a_key_can_be_written_again_into_a_pruned_folder(tmp_path):
    storage = LocalStorage(tmp_path)
    await storage.write_atomic("staging/job-1/a.parquet", b"a")
    await storage.delete("staging/job-1/a.parquet")
    source = tmp_path / "source.bin"
    source.write_bytes(b"again")
    await storage.put_file("staging/job-1/a.parquet", source)
    assert await storage.read("staging/job-1/a.parquet") == b"again"
