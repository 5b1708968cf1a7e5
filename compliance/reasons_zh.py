"""A decision in Chinese, for campaign managers (电话营销负责人) who read Chinese.

The English `Decision.reason` is the full explanation; this is a shorter summary built
from the rule ids, so it stays correct when the English wording changes.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from compliance.models import Decision, DialMode, Verdict

RULE_SUMMARIES_ZH: dict[str, str] = {
    "G-1": "号码无效，请更正客户资料",
    "US-H1": "不在美国联邦允许的呼叫时段（客户各可能时区当地 08:00–21:00）",
    "US-H2": "不在州法允许的呼叫时段或当天为州法定假日",
    "US-F1": "24 小时内对同一客户同一事项的呼叫已达 3 次上限",
    "US-D1": "号码在美国全国拒接登记册中，且无既有业务关系豁免或书面许可",
    "US-D2": "全国拒接名单快照已超过 31 天，营销呼叫暂停，请导入新快照",
    "US-D3": "客户在公司拒接名单中",
    "US-D4": "客户已要求不再来电（任何渠道），立即生效",
    "US-C1": "无线号码未获事先明确同意，只能人工预览拨打",
    "UK-H1": "不在英国允许的呼叫时段（周一至周六 09:00–21:00，周日及银行假日除外）",
    "UK-T1": "号码在英国 TPS 拒接名单中，或 TPS 名单已超过 28 天",
    "UK-T2": "号码在英国企业 CTPS 拒接名单中，或 CTPS 名单已超过 28 天",
    "UK-T3": "客户在公司拒接名单中",
    "UK-F1": "非期待来电的现有客户，不得主动推介投资产品",
    "UK-A3": "72 小时内曾有放弃呼叫，未预留坐席时不得再次自动拨打",
    "CN-H1": "不在工作日北京时间 09:00–21:00（法定节假日休息，调休上班日可拨打）",
    "CN-C1": "无营销同意记录（视为拒绝），不得进行营销呼叫",
    "CN-C2": "客户已明确拒绝或退订营销电话，须重新取得同意",
    "CN-S1": "产品风险等级高于客户风险承受能力，或风险测评已超过 12 个月",
    "CN-S2": "C1 客户只能推介 R1 产品",
    "CN-S4": "专业投资者按公司政策豁免适当性检查",
    "CN-A1": "坐席须持有本服务所需的有效执业登记",
    "FIRM-H1": "不在公司规定的呼叫时段",
    "CAMPAIGN-H1": "不在本活动设定的呼叫时段",
    "FIRM-F1": "当天对该号码的呼叫次数已达公司上限",
    "FIRM-F2": "24 小时内对该客户的呼叫次数已达公司上限",
    "FIRM-F3": "24 小时内对该号码的呼叫次数已达公司上限",
    "FIRM-F4": "当天对该客户的呼叫次数已达公司上限",
    "FIRM-A3": "放弃呼叫后的公司锁定期未满",
    "FIRM-S1": "产品风险等级高于客户风险承受能力，或风险测评已过期（公司政策）",
    "FIRM-S2": "C1 客户只能推介 R1 产品（公司政策）",
    "FIRM-S4": "专业投资者豁免适当性检查（公司政策）",
    "FIRM-A1": "坐席须持有本服务所需的有效执业登记（公司政策）",
}

_VERDICTS_ZH = {
    Verdict.ALLOW: "允许拨打",
    Verdict.REQUIRE: "有条件拨打",
    Verdict.DELAY: "暂缓拨打",
    Verdict.BLOCK: "禁止拨打",
}


def reason_zh(decision: Decision) -> str:
    """ "暂缓拨打：不在……。最早可拨打时间：2026-03-08 21:00（北京时间）"."""
    head = _VERDICTS_ZH[decision.verdict]
    if decision.verdict is Verdict.ALLOW:
        return f"{head}：在所有适用的呼叫时段内，且无规则禁止。"
    summaries = [RULE_SUMMARIES_ZH.get(rule, f"规则 {rule}") for rule in decision.rules]
    text = f"{head}：{'；'.join(dict.fromkeys(summaries))}。"
    if decision.required_mode is DialMode.PREVIEW:
        text += "请改用预览模式。"
    if decision.until is not None:
        beijing = decision.until.astimezone(ZoneInfo("Asia/Shanghai"))
        text += f"最早可拨打时间：{beijing:%Y-%m-%d %H:%M}（北京时间）。"
    return text
