"""``realestate``: the registration office's command line (the clerk's text is Chinese).

Exit codes: 0 done; 1 refused (the office's rule, with its stable code); 2 wrong arguments
or settings.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import asdict
from importlib import resources
from typing import Any

from realestate.domain import KINDS, PLATFORM_STATUS, STATUS, STEPS, DomainError
from realestate.office import Office, Registration
from realestate.settings import Settings, SettingsError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="realestate",
        description="不动产登记业务系统（参考实现）：收件、受理、审核、登簿、发证，经适配器对接阳光平台。"
                    " Settings: REALESTATE_* environment variables "
                    "(docs/integrators/attach-a-system.md).")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    receive = commands.add_parser("receive", help="收件：窗口收取一件登记申请")
    receive.add_argument("--kind", required=True, choices=sorted(KINDS),
                         help="登记类型: " + ", ".join(f"{k} {v}" for k, v in KINDS.items()))
    receive.add_argument("--applicant", required=True, help="申请人姓名或单位名称")
    receive.add_argument("--id-number", required=True,
                         help="居民身份证号码或统一社会信用代码")
    receive.add_argument("--unit", required=True, help="不动产单元号（28位）")
    receive.add_argument("--clerk", default="", help="经办人")

    for name, rule in STEPS.items():
        step = commands.add_parser(name, help=f"{rule.label}：记录本环节的办理结果")
        step.add_argument("number", help="业务号, e.g. BDC-2026-000001")
        step.add_argument("--clerk", default="", help="经办人")
        step.add_argument("--opinion", default="", help="办理意见")
        if name == "record":
            step.add_argument("--certificate", required=True,
                              help="不动产权证书号或登记证明号")
        if name == "refuse":
            step.add_argument("--reasons", required=True, help="不予登记的理由")
            step.add_argument("--basis", action="append", default=[],
                              help="法律依据（可重复）")

    listing = commands.add_parser("list", help="登记申请列表（本系统状态与平台状态）")
    listing.add_argument("--json", action="store_true", help="JSON for scripts")
    show = commands.add_parser("show", help="一件登记申请及其办理记录")
    show.add_argument("number")
    show.add_argument("--json", action="store_true", help="JSON for scripts")
    commands.add_parser("refused", help="被平台拒绝、暂停发送的请求")
    requeue = commands.add_parser("requeue", help="原因排除后，重新发送一条被拒绝的请求")
    requeue.add_argument("key", help="请求的幂等键，见 realestate refused")
    run = commands.add_parser("run", help="与平台的连接：发送待发请求、接收办件事件（常驻）")
    run.add_argument("-v", "--verbose", action="store_true", help="debug logs")
    commands.add_parser("demo-item", help="打印演示事项草稿（JSON），供平台发布")
    commands.add_parser(
        "conformance-driver",
        help="一致性测试驱动：供 sunlight conformance run --side adapter 调用"
             "（标准输入输出 JSON 行，临时数据库）")
    return parser


def _platform(r: Registration) -> str:
    text = PLATFORM_STATUS.get(r.platform_status, r.platform_status)
    notes = []
    if r.pending or r.waiting:
        notes.append(f"待发送 {r.pending + r.waiting}")
    if r.refused:
        notes.append(f"平台拒绝 {len(r.refused)}")
    return text + (f"（{'，'.join(notes)}）" if notes else "")


def _table(registrations: list[Registration]) -> str:
    if not registrations:
        return "暂无登记申请。"
    header = ("业务号", "登记类型", "申请人", "不动产单元号", "本系统状态", "平台办件号",
              "平台状态")
    rows = [header] + [(r.number, KINDS.get(r.kind, r.kind), r.applicant_name, r.unit_number,
                        STATUS.get(r.status, r.status), r.case_number or "—", _platform(r))
                       for r in registrations]
    return "\n".join("  ".join(cells) for cells in rows)


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if getattr(args, "verbose", False) else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if not getattr(args, "verbose", False):  # the broker client's every connection step
        logging.getLogger("pika").setLevel(logging.WARNING)
    if args.command == "demo-item":
        print(resources.files("realestate").joinpath("demo-item.json").read_text("utf-8"),
              end="")
        return 0
    if args.command == "conformance-driver":
        logging.getLogger("pika").setLevel(logging.WARNING)
        from realestate.conformance_driver import main as drive  # noqa: PLC0415

        return drive()
    try:
        office = Office(Settings.from_env())
        return _dispatch(office, args)
    except SettingsError as exc:
        print(f"设置有误 SETTINGS: {exc}", file=sys.stderr)
        return 2
    except DomainError as exc:
        print(f"不能办理 {exc.code}：{exc.message}", file=sys.stderr)
        return 1


def _dispatch(office: Office, args: argparse.Namespace) -> int:
    if args.command == "receive":
        number = office.receive(args.kind, args.applicant, args.id_number, args.unit,
                                args.clerk)
        print(f"已收件：业务号 {number}（已登记在本系统；平台申报随连接自动发送）",
              file=sys.stderr)
        print(number)  # alone on stdout, for scripts
        return 0
    if args.command in STEPS:
        status = office.record(args.number, args.command, clerk=args.clerk,
                               opinion=args.opinion,
                               certificate=getattr(args, "certificate", "") or "",
                               reasons=getattr(args, "reasons", "") or "",
                               legal_basis=getattr(args, "basis", []) or [])
        print(f"{args.number}：{STEPS[args.command].label}已记录，本件现为“{STATUS[status]}”"
              "（办理结果随连接自动报送平台）")
        return 0
    if args.command == "list":
        found = office.registrations()
        if args.json:
            _print_json([asdict(r) for r in found])
        else:
            print(_table(found))
        return 0
    if args.command == "show":
        registration = office.get(args.number)
        steps = office.steps_of(args.number)
        if args.json:
            _print_json({**asdict(registration), "steps": steps})
            return 0
        print(_table([registration]))
        if registration.certificate:
            print(f"证书号：{registration.certificate}")
        delivery = {"waiting": "等待平台办件就绪", "pending": "待发送", "delivered": "已报送",
                    "parked": "平台拒绝"}
        for s in steps:
            line = (f"  {STEPS[s['step']].label}（{s['action']}）{s['clerk'] or ''} "
                    f"{s['opinion'] or ''} — {delivery.get(s['delivery'], s['delivery'])}")
            if s["delivery"] == "parked":
                line += f"：{s['error_code']} {s['error_message']}"
            print(line)
        for key, code, message in registration.refused:
            print(f"  平台拒绝 {key}：{code} {message}")
        return 0
    if args.command == "refused":
        parked = office.outbox.parked()
        if not parked:
            print("没有被平台拒绝的请求。")
        for entry in parked:
            print(f"{entry.idempotency_key}  {entry.kind}  HTTP {entry.error_status}  "
                  f"{entry.error_code}：{entry.error_message}（请求编号 {entry.error_identifier}）")
        return 0
    if args.command == "requeue":
        if not office.outbox.requeue(args.key):
            raise DomainError("NOT_REFUSED", f"“{args.key}”不是被拒绝的请求")
        print(f"{args.key}：已重新排队发送")
        return 0
    if args.command == "run":
        from realestate.runner import run  # noqa: PLC0415 - only the link needs the broker

        run(office)
        return 0
    raise AssertionError(args.command)


if __name__ == "__main__":
    sys.exit(main())
