"""The validation rules of the interface contract: their names (reject or warn), Chinese labels and the hint
a provider reads in the error report. Shared by the loader, the quality report and the generator's error injection."""
from __future__ import annotations

REJECT_RULES = ("encoding", "column_count", "not_null", "type", "length", "precision", "date_range",
                "impossible_date", "data_month", "id_number_check", "credit_code_check", "duplicate_key")
WARN_RULES = ("unknown_code", "rounded")

RULE_LABELS = {
    "encoding": "编码错误", "column_count": "字段个数不符", "not_null": "必填字段为空", "type": "数据类型错误",
    "length": "超长", "precision": "小数位数或精度超限", "date_range": "日期早于允许范围",
    "impossible_date": "不存在的日期", "data_month": "数据月份与文件不符", "id_number_check": "身份证号校验位错误",
    "credit_code_check": "统一社会信用代码校验位错误", "duplicate_key": "主键重复", "unknown_code": "代码不在代码表中",
    "rounded": "小数位超长已按规则舍入",
}
RULE_HINTS = {
    "encoding": "请按接口规范的字符集(GBK/UTF-8)导出, 检查是否混入其他编码的文字",
    "column_count": "请检查该行是否含有多余或缺少的分隔符 |",
    "not_null": "必填字段不能为空, 请补齐",
    "type": "请按规范的数据类型输出(整数/数值/日期 YYYYMMDD/年月 YYYYMM)",
    "length": "字段长度超过规范, 请检查是否截取错误或录入错误",
    "precision": "数值的小数位或整数位超过规范, 请按规范精度输出",
    "date_range": "日期不能早于 1753-01-01, 请核实原始业务数据",
    "impossible_date": "日期不存在(如 2 月 30 日), 请核实原始业务数据",
    "data_month": "行内数据月份与文件名月份不一致, 请检查抽取条件",
    "id_number_check": "公民身份号码校验位错误, 请核对证件号码",
    "credit_code_check": "统一社会信用代码校验位错误, 请核对单位证照",
    "duplicate_key": "同一主键出现多次, 请去重后重新报送",
    "unknown_code": "代码不在代码表中; 若为新增代码, 请报送代码表变更",
    "rounded": "小数位超过规范, 已四舍五入; 请按规范精度输出",
}
