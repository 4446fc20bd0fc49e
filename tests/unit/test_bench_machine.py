"""The machine's speed index (``bench.machine``): the workload's steps per second of the
measuring thread's own CPU time, the median of its rounds."""

from __future__ import annotations

from bench import machine


def test_the_index_is_steps_per_cpu_second_of_the_thread_the_median_of_rounds(
        monkeypatch) -> None:
    # each round reads the thread's CPU clock twice: rounds of 0.1, 0.4 and 0.05 s
    readings = iter([0.0, 0.1, 1.0, 1.4, 2.0, 2.05])
    monkeypatch.setattr(machine.time, "thread_time", lambda: next(readings))
    monkeypatch.setattr(machine.time, "process_time", lambda: 1 / 0)  # never the process's
    assert machine.speed_index(rounds=3) == round(machine.STEPS / 0.1 / 1e6, 2)

