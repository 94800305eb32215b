"""Chaos trials (README, "Chaos trials"): the whole system, with its own PostgreSQL and nats-server,
runs a mixed fetch job and a trade rebuild against the Kraken simulator while a seeded fault hits it
(kill -9 of one or two parts, exchange faults, SIGTERM of everything); what it stored is then held
against a fault-free reference run of the same jobs.

    plan      what a trial does, from its seed alone
    workload  the two jobs and the simulator they run against
    postgres  a PostgreSQL server that can be killed and started again on the same port and data
    stack     one trial's servers, lake and services
    trial     one run: start, submit, fault, wait, read back
    snapshot  what a run left: candles, ledger, key figures, exchange calls
    compare   a trial against the reference
    suite     N trials, a line each and the figure line
"""
