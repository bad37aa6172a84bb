"""The validation rules of the interface contract: their names (reject or warn), Chinese labels and the hint
a provider reads in the error report. Shared by the loader, the quality report and the generator's error injection."""
from __future__ import annotations

REJECT_RULES = ("control_char", "encoding", "header_line", "column_count", "not_null", "type", "length", "precision",
                "date_range", "impossible_date", "data_month", "id_number_old15", "id_number_length",
                "id_number_format", "id_number_birth", "id_number_check", "credit_code_length", "credit_code_chars",
                "credit_code_check", "out_of_range", "duplicate_key", "truncated_line")
WARN_RULES = ("unknown_code", "rounded", "no_final_newline")

RULE_LABELS = {
    "control_char": "含控制字符", "encoding": "编码错误", "header_line": "首行为表头",
    "column_count": "字段个数不符", "not_null": "必填字段为空", "type": "数据类型错误",
    "length": "超长", "precision": "小数位数或精度超限", "date_range": "日期早于允许范围",
    "impossible_date": "不存在的日期", "data_month": "数据月份与文件不符",
    "id_number_old15": "身份证号为15位旧号码", "id_number_length": "身份证号位数错误",
    "id_number_format": "身份证号含非法字符", "id_number_birth": "身份证号内出生日期错误",
    "id_number_check": "身份证号校验位错误", "credit_code_length": "统一社会信用代码位数错误",
    "credit_code_chars": "统一社会信用代码含非法字符", "credit_code_check": "统一社会信用代码校验位错误",
    "out_of_range": "数值超出业务范围", "duplicate_key": "主键重复", "truncated_line": "末行疑似被截断",
    "unknown_code": "代码不在代码表中", "rounded": "小数位超长已按规则舍入", "no_final_newline": "文件末尾缺少换行符",
}
RULE_HINTS = {
    "control_char": "字段中含不可见的控制字符(如 NUL、单独的回车), 请删除后重新导出",
    "encoding": "请按接口规范的字符集(GBK)导出, 检查是否混入 UTF-8 等其他编码的文字",
    "header_line": "接口文件不含表头行, 请去掉首行的字段名后重新报送",
    "column_count": "请检查该行是否含有多余或缺少的分隔符 |",
    "not_null": "必填字段不能为空, 请补齐",
    "type": "请按规范的数据类型输出(整数/数值/日期 YYYYMMDD/年月 YYYYMM)",
    "length": "字段长度超过规范, 请检查是否截取错误或录入错误",
    "precision": "数值的小数位或整数位超过规范, 请按规范精度输出",
    "date_range": "日期不能早于 1753-01-01, 请核实原始业务数据",
    "impossible_date": "日期不存在(如 2 月 30 日), 请核实原始业务数据",
    "data_month": "行内数据月份与文件名月份不一致, 请检查抽取条件",
    "id_number_old15": "15 位旧身份证号请换算为 18 位(补出生年份世纪位并计算校验位)后报送",
    "id_number_length": "公民身份号码应为 18 位, 请核对证件号码",
    "id_number_format": "公民身份号码前 17 位应为数字, 末位为数字或 X, 请核对证件号码",
    "id_number_birth": "身份号码第 7-14 位的出生日期不存在或晚于数据月份, 请核对证件号码",
    "id_number_check": "公民身份号码校验位错误, 请核对证件号码",
    "credit_code_length": "统一社会信用代码应为 18 位, 请核对单位证照",
    "credit_code_chars": "统一社会信用代码只用数字和大写字母(不含 I、O、Z、S、V), 请核对单位证照",
    "credit_code_check": "统一社会信用代码校验位错误, 请核对单位证照",
    "out_of_range": "数值超出业务上可能的范围(如缴费基数上下限、金额为负、日期晚于数据月份), 请核实原始业务数据",
    "duplicate_key": "同一主键出现多次, 请去重后重新报送",
    "truncated_line": "文件最后一行不完整, 疑似传输中断; 请重新传送完整文件及完成标志",
    "unknown_code": "代码不在代码表中; 若为新增代码, 请报送代码表变更",
    "rounded": "小数位超过规范, 已四舍五入; 请按规范精度输出",
    "no_final_newline": "文件末尾缺少换行符, 已按完整记录加载; 请按规范每行以换行结束",
}
