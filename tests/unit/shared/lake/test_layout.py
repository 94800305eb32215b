"""How job results name the lake's files: by key, or under the configured public URL."""

from shared.lake.layout import partition_key, public_artifact


def test_artifacts_are_named_by_their_key_or_under_the_public_url():
    key = partition_key("kraken", "BTC/USD", "1h", 2026)
    assert key == "candles/exchange=kraken/symbol=BTC-USD/timeframe=1h/year=2026/part-0.parquet"
    assert public_artifact(key, None) == key
    assert public_artifact(key, "s3://research-lake/candles-v1/") == f"s3://research-lake/candles-v1/{key}"
