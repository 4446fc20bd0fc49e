"""``python -m bench.chaos`` (``make chaos``): the fault suite; see ``bench.chaos``.

Progress goes to stderr; the last line printed on stdout is the JSON result (a copy in
``bench/results/chaos-<time>.json``). Exit code 0 when nothing was lost or applied twice,
every trace chain verified, everything drained and every fault healed; 1 otherwise; 2 when
the suite could not run at all (its data services or the province would not start).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from bench.chaos import faults as chaos_faults
from bench.chaos import report
from bench.chaos.dataservices import (
    DataServiceError,
    PrivatePostgres,
    PrivateRabbit,
    data_services,
)
from bench.chaos.faults import Fault, healthy, programs, wait
from bench.chaos.load import Load, Tally, admin_token, clients_of, publish_item
from bench.chaos.reconcile import NodeCheck, reconcile
from infra import rollup
from infra.broker import set_policies
from infra.localnode import LocalProvince, procfile
from infra.province import Plan
from infra.supervise import ONE_SHOT

DEFAULT_NODES = "511600,511602"
#: the processes ``--quick`` kills (on every node): the case service, its relay, a
#: supervision worker and the gateway
QUICK_KILLS = "cases,cases-relay,monitoring-worker,gateway"
FAULT_KINDS = frozenset({"kill", "broker", "database", "cut"})
LOAD_BACK_TIMEOUT_S = 120.0
PROVINCE_START_TIMEOUT_S = 400.0


def say(text: str) -> None:
    print(f"chaos: {text}", file=sys.stderr, flush=True)


def options(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.chaos", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nodes", default=DEFAULT_NODES,
                        help=f"region codes of the province's nodes (default {DEFAULT_NODES})")
    parser.add_argument("--quick", action="store_true",
                        help=f"kill only {QUICK_KILLS} (each node), cut the last node only, "
                             "cut 4 s: every kind of fault once or more, in about a third "
                             "of the time")
    parser.add_argument("--kill", default="",
                        help="processes to kill on each node, comma-separated Procfile "
                             "names (default: every one; 'none': no kills)")
    parser.add_argument("--cut-s", type=float, default=None,
                        help="how long a node stays cut off (default 10, --quick 4)")
    parser.add_argument("--clients", type=int, default=1,
                        help="clients per path (gRPC, HTTP) per node (default 1)")
    parser.add_argument("--skip", default="",
                        help="fault kinds left out, comma-separated: kill,broker,database,cut")
    parser.add_argument("--out", type=Path, default=None,
                        help="folder of the JSON copy (default bench/results)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the nodes' logs and files (printed) after a run that "
                             "is ok (a run that is not keeps them)")
    args = parser.parse_args(argv)
    # a name misspelt would make a run that injects nothing look green
    if unknown := sorted(_names(args.skip) - FAULT_KINDS):
        parser.error(f"--skip: no fault kind {', '.join(unknown)} (kinds: "
                     f"{', '.join(sorted(FAULT_KINDS))})")
    killable = set(procfile()) - ONE_SHOT
    if args.kill != "none" and (unknown := sorted(_names(args.kill) - killable)):
        parser.error(f"--kill: no process {', '.join(unknown)} in infra/Procfile (processes: "
                     f"{', '.join(sorted(killable))}; or 'none')")
    return args


def _names(text: str) -> set[str]:
    return {name.strip() for name in text.split(",") if name.strip()}


def wanted(name: str, kills: set[str] | None) -> bool:
    """Is supervisord's program ``name`` one of ``kills`` (Procfile names; a partition
    ``monitoring-worker-1`` counts as ``monitoring-worker``)?"""
    if kills is None:
        return True
    base = name.rstrip("0123456789").rstrip("-") if name[-1:].isdigit() else name
    return name in kills or base in kills


def inject(province: LocalProvince, load: Load, fault: Fault, started: float,
           action: Callable[[], Callable[[], bool]]) -> Fault:
    """Inject one fault, wait until it is healed and the load moves again."""
    fault.injected_s = round(time.monotonic() - started, 1)
    at = time.monotonic()
    try:
        back = action()
        if not wait(lambda: back() and healthy(province), chaos_faults.HEAL_TIMEOUT_S):
            fault.error = f"not healthy {chaos_faults.HEAL_TIMEOUT_S:.0f} s after the fault"
        else:
            healed = time.monotonic()
            fault.healed_after_s = round(healed - at, 2)
            if wait(lambda: load.moving_since(healed), LOAD_BACK_TIMEOUT_S, 0.1):
                fault.load_back_after_s = round(time.monotonic() - healed, 2)
            else:
                fault.error = f"the load did not move again in {LOAD_BACK_TIMEOUT_S:.0f} s"
    except Exception as exc:  # noqa: BLE001 - a fault that fails is reported, not fatal
        fault.error = repr(exc)[:300]
    say(f"{fault.kind} {fault.target}: healed after {fault.healed_after_s} s, load back "
        f"after {fault.load_back_after_s} s{' — ' + fault.error if fault.error else ''}")
    return fault


def run_faults(args: argparse.Namespace, province: LocalProvince, load: Load,
               pg: PrivatePostgres, mq: PrivateRabbit, regions: list[str]) -> list[Fault]:
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    kill_text = args.kill or (QUICK_KILLS if args.quick else "")
    kills = None if not kill_text else (
        set() if kill_text == "none" else {k.strip() for k in kill_text.split(",")})
    cut_s = args.cut_s if args.cut_s is not None else (4.0 if args.quick else 10.0)
    started = time.monotonic()
    done: list[Fault] = []
    if "kill" not in skip:
        for region in regions:
            node = province.node(region)
            for program in programs(node):
                if wanted(program, kills):
                    done.append(inject(province, load, Fault("kill", f"{region}:{program}"),
                                       started, lambda n=node, p=program: chaos_faults.kill(n, p)))

    def restart_broker() -> Callable[[], bool]:
        mq.restart()
        return lambda: True

    def restart_database() -> Callable[[], bool]:
        pg.restart("immediate")
        return lambda: True

    if "broker" not in skip:
        done.append(inject(province, load, Fault("broker", "broker"), started, restart_broker))
    if "database" not in skip:
        done.append(inject(province, load, Fault("database", "database"), started,
                           restart_database))
    if "cut" not in skip:
        plan = Plan.read(province.var_dir)
        above = rollup.province_of(plan) if plan else None
        for region in regions[-1:] if args.quick else regions:
            unlink = relink = None
            if plan is not None and above is not None and region != above.region:
                planned = plan.node(region)
                unlink = lambda p=planned: rollup.cut(p, run=mq.ctl)  # noqa: E731
                relink = lambda p=planned: rollup.link(p, above, run=mq.ctl)  # noqa: E731
            done.append(inject(province, load, Fault("cut", region), started,
                               lambda r=region, u=unlink, k=relink: chaos_faults.cut(
                                   province.node(r), cut_s, u, k)))
    return done


def link_rollup(province: LocalProvince, mq: PrivateRabbit) -> list[str]:
    """With the province's node in the run: each node's roll-up shovel, declared on the
    private broker (``infra.province`` declares it only on the machine's own broker)."""
    plan = Plan.read(province.var_dir)
    above = rollup.province_of(plan) if plan else None
    if plan is None or above is None:
        return []
    below = [n for n in plan.nodes if n is not above]
    for node in below:
        rollup.link(node, above, run=mq.ctl)
    return [n.region for n in below]


def run(args: argparse.Namespace) -> dict:
    regions = [r.strip() for r in args.nodes.split(",") if r.strip()]
    times: dict[str, float] = {}
    t0 = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="sunlight-chaos-"))
    say(f"files and logs under {work}")
    with data_services() as (pg, mq):
        times["data_services_s"] = round(time.monotonic() - t0, 1)
        say(f"private PostgreSQL on port {pg.port}, private RabbitMQ {mq.name} on port "
            f"{mq.port} (management {mq.management_port})")
        for region in regions:
            mq.add_vhost(f"chaos-{region}")
            set_policies(f"chaos-{region}", run=mq.ctl)
        province = LocalProvince({
            "SUNLIGHT_VAR_DIR": str(work / "var"), "AMQP_URI": mq.uri("chaos"),
            "DATABASE_URL": pg.sqlalchemy_url("sunlight"),
            "SUNLIGHT_LOG_LEVEL": "WARNING"}, regions, work / "logs")
        tally, stop = Tally(), threading.Event()
        try:
            t1 = time.monotonic()
            province.setup()
            if linked := link_rollup(province, mq):
                say(f"roll-up links to the province from {', '.join(linked)}")
            province.start()
            province.wait_healthy(timeout_s=PROVINCE_START_TIMEOUT_S)
            times["province_start_s"] = round(time.monotonic() - t1, 1)
            say(f"province {', '.join(regions)} serving after {times['province_start_s']} s")

            tokens = {r: admin_token(province.node(r), r) for r in regions}
            clients = []
            for region in regions:
                node = province.node(region)
                item_id = publish_item(node, region, tokens[region])
                clients += clients_of(node, region, item_id, tokens[region], args.clients,
                                      stop, tally)
            load = Load(clients, stop, tally)
            load.start()
            begun = time.monotonic()
            if not wait(lambda: load.moving_since(begun), LOAD_BACK_TIMEOUT_S, 0.1):
                raise RuntimeError(f"the load does not move: {tally.errors[:3]}")

            t2 = time.monotonic()
            injected = run_faults(args, province, load, pg, mq, regions)
            times["faults_s"] = round(time.monotonic() - t2, 1)

            t3 = time.monotonic()
            still_running = load.stop()
            times["load_s"] = round(time.monotonic() - begun, 1)
            say(f"load stopped: {tally.acknowledged} calls acknowledged; reconciling")
            above = next((r for r in regions if r.endswith("0000")), None)
            checks = [NodeCheck(r, province.node(r), tokens[r], load.acknowledged(r),
                                province.node(above) if above and r != above else None)
                      for r in regions]
            nodes = reconcile(checks)
            times["reconcile_s"] = round(time.monotonic() - t3, 1)
        finally:
            stop.set()  # the clients, whatever failed: not calling while the nodes stop
            # the nodes' vhosts are on the private broker, removed with it: not the
            # machine's broker's (LocalProvince.stop removes AMQP_URI's vhosts there)
            province.env.pop("AMQP_URI", None)
            province.stop()
        times["total_s"] = round(time.monotonic() - t0, 1)
        result = report.build(
            nodes=nodes, faults=injected, tally=tally.as_dict(),
            broker=f"private RabbitMQ node {mq.name} (stopped and started by the suite)",
            database=f"private PostgreSQL {pg.bindir.parent.name} (restarted by the suite)",
            durations=times, uncertain=load.uncertain(), still_running=still_running,
            options={"nodes": regions, "quick": args.quick, "kill": args.kill or None,
                     "cut_s": args.cut_s if args.cut_s is not None else
                     (4.0 if args.quick else 10.0), "clients_per_path": args.clients,
                     "skip": args.skip or None})
    if result["ok"] and not args.keep:
        import shutil  # noqa: PLC0415

        shutil.rmtree(work, ignore_errors=True)
    return result


def _exit_on(signum: int, _frame: object) -> None:
    """SIGTERM/SIGHUP (a test's timeout, a closed terminal): leave through the ``finally``
    blocks, which stop the nodes and the private PostgreSQL and RabbitMQ and remove them."""
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    args = options(argv)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _exit_on)
    try:
        result = run(args)
    except (DataServiceError, RuntimeError) as exc:
        say(f"could not run: {exc}")
        print(json.dumps({"suite": "chaos", "ok": False, "error": str(exc)[:2000]},
                         ensure_ascii=False))
        return 2
    path = report.write(result, args.out)
    say(f"result in {path}")
    with contextlib.suppress(BrokenPipeError):
        print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
