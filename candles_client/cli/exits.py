"""The exit codes of `candles`, as its --help lists them."""

EXIT_OK = 0
EXIT_FAILED = 1  # the job failed or was cancelled; a file does not match its manifest
EXIT_USAGE = 2  # argparse's own
EXIT_REFUSED = 3  # the API refused the request (4xx)
EXIT_UNREACHABLE = 4  # no answer, or the server failed (5xx)
EXIT_DECLINED = 5  # a costly job was not confirmed
EXIT_INTERRUPTED = 130
