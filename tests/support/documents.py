"""Documents for tests: an issuer and realistic fields for every kind."""

from __future__ import annotations

from typing import Any

from services.cases.domain.documents import KINDS, Issuer

ISSUER = Issuer("511602", "区发展改革局", "广安区发展改革局", "区发改", "广安市广安区人民政府")
RECONSIDERATION = {"reconsideration_body": "广安市广安区人民政府"}
SAMPLES: dict[str, dict[str, Any]] = {
    "acceptance_notice": {"item_name": "企业投资项目核准", "applied_on": "2026-11-27",
                          "accepted_on": "2026-11-30", "limit": "受理之日起10个工作日",
                          "basis": "《中华人民共和国行政许可法》第三十二条第一款第（五）项"},
    "supplement_notice": {"item_name": "企业投资项目核准", "applied_on": "2026-11-27",
                          "missing": ["项目申请报告（原件1份）", "企业营业执照（复印件）"],
                          "due_on": "2026-12-11",
                          "basis": "《中华人民共和国行政许可法》第三十二条第一款第（四）项"},
    "rejection_decision": {"item_name": "企业投资项目核准", "applied_on": "2026-11-27",
                           "reasons": "申请事项依法不属于本机关职权范围，请向市发展改革委申请",
                           "basis": "《中华人民共和国行政许可法》第三十二条第一款第（二）项",
                           **RECONSIDERATION},
    "licence_decision": {"item_name": "企业投资项目核准", "applied_on": "2026-11-27",
                         "accepted_on": "2026-11-30",
                         "reasons": "申请人提交的材料齐全，项目符合国家产业政策和行业准入标准",
                         "basis": ["《企业投资项目核准和备案管理条例》第十三条"],
                         "certificate": "企业投资项目核准文件", "valid_until": "2028-11-30",
                         **RECONSIDERATION},
    "licence_refusal": {"item_name": "企业投资项目核准", "applied_on": "2026-11-27",
                        "accepted_on": "2026-11-30", "reasons": "项目不符合国家产业政策",
                        "basis": ["《企业投资项目核准和备案管理条例》第十条"],
                        **RECONSIDERATION},
    "filing_approval": {"case_source": "群众举报", "cause": "涉嫌未经核准擅自开工建设",
                        "party": "广安某某建材有限公司", "party_id": "91511602MA6D00001X",
                        "party_address": "四川省广安市广安区某某路1号",
                        "facts": "2026年11月20日接群众举报，该公司投资项目未经核准即开工建设。",
                        "basis": "《中华人民共和国行政处罚法》第五十四条",
                        "handler_opinion": "建议立案调查", "handlers": "王某、李某",
                        "approver_opinion": "同意立案", "approver": "赵某"},
    "penalty_notice": {"party": "广安某某建材有限公司",
                       "facts": "于2026年10月未经核准擅自开工建设年产10万吨建材项目",
                       "evidence": ["现场检查笔录", "询问笔录", "现场照片12张"],
                       "violated": "《企业投资项目核准和备案管理条例》第六条",
                       "penalty_basis": "《企业投资项目核准和备案管理条例》第十八条",
                       "penalty": "责令停止建设，处项目总投资额千分之二的罚款计人民币贰拾万元",
                       "hearing": "是", "contact": "王某 0826-2222222"},
    "hearing_notice": {"party": "广安某某建材有限公司", "cause": "未经核准擅自开工建设",
                       "hearing_time": "2026年12月15日9时30分",
                       "hearing_place": "广安区发展改革局三楼会议室", "presiding": "孙某",
                       "recorder": "周某", "contact": "王某 0826-2222222"},
    "penalty_decision": {"party": "广安某某建材有限公司", "party_id": "91511602MA6D00001X",
                         "party_address": "四川省广安市广安区某某路1号",
                         "facts": "于2026年10月未经核准擅自开工建设年产10万吨建材项目",
                         "evidence": ["现场检查笔录", "询问笔录", "现场照片12张"],
                         "violated": "《企业投资项目核准和备案管理条例》第六条",
                         "penalty_basis": "《企业投资项目核准和备案管理条例》第十八条",
                         "penalty": "责令停止建设，处罚款人民币贰拾万元",
                         "performance": "自收到本决定书之日起十五日内将罚款缴至指定银行；"
                                        "到期不缴纳的，每日按罚款数额的百分之三加处罚款",
                         **RECONSIDERATION},
    "service_receipt": {"served_document": "行政处罚决定书（区发改罚〔2026〕3号）",
                        "recipient": "广安某某建材有限公司", "place": "四川省广安市广安区某某路1号",
                        "method": "直接送达", "server": "王某、李某", "note": ""},
}
assert set(SAMPLES) == set(KINDS)


def sample_fields(kind: str) -> dict[str, Any]:
    return dict(SAMPLES[kind])
