"""The rule that tells GBK text from UTF-8 text read as GBK (loaders/encoding.py), on real Chinese names and
addresses, in both directions: every one in GBK is accepted, every one in UTF-8 is recognised."""
import pytest

from loaders.encoding import bom, commonness, double_byte_to_utf8, utf8_fields, utf8_reading

# Real-world style names (common and less common characters, compound surnames, a minority name with
# the middle dot) and Beijing addresses / unit names.
NAMES = ["白玉", "张伟", "王芳", "李娜", "刘洋", "陈静", "杨秀英", "赵丽", "黄磊", "周杰", "吴敏", "徐强", "孙丽娟",
         "胡军", "朱婷婷", "高志宏", "林欣悦", "何俊", "郭晨", "马超", "罗雪梅", "梁帅", "宋佳", "郑爽", "谢霆",
         "韩梅梅", "唐嫣", "冯巩", "于谦", "董卿", "萧敬腾", "程蝶衣", "曹操", "袁隆平", "邓稼先", "许三多",
         "欧阳修", "司马光", "诸葛亮", "上官婉儿", "阿依古丽·买买提", "王喆", "李昇", "张堃", "刘珺", "陈琮",
         "钱钟书", "褚时健", "卫青", "蒋介石", "沈从文", "韩愈", "杨绛", "朱镕基", "温家宝", "习近平", "屠呦呦"]
ADDRESSES = ["北京市朝阳区建国路88号", "北京市海淀区中关村大街27号", "北京市东城区王府井大街255号",
             "北京市西城区金融大街7号英蓝国际金融中心", "北京市丰台区丽泽路18号院1号楼", "北京市通州区新华西街58号",
             "北京市昌平区回龙观镇西大街3号", "北京市大兴区亦庄经济技术开发区荣华中路10号", "北京市顺义区后沙峪镇安富街6号",
             "北京市房山区良乡镇拱辰大街1号", "北京市门头沟区新桥大街8号", "北京市怀柔区青春路9号",
             "北京市密云区鼓楼东大街3号", "北京市延庆区妫水北街15号", "北京市平谷区府前街9号", "北京市石景山区鲁谷路74号",
             "北京京东世纪贸易有限公司", "北京字节跳动科技有限公司", "中国石油天然气集团有限公司", "北京首都国际机场股份有限公司",
             "河北省石家庄市长安区中山东路", "山东省济南市历下区泉城路", "四川省成都市锦江区春熙路（步行街）"]
TEXTS = NAMES + ADDRESSES


@pytest.mark.parametrize("text", TEXTS)
def test_gbk_text_is_never_taken_for_utf8(text):
    assert utf8_reading(text.encode("gbk")) is None


@pytest.mark.parametrize("text", TEXTS)
def test_utf8_text_is_recognised_in_a_gbk_file(text):
    assert utf8_reading(text.encode("utf-8")) == text


def test_generator_vocabulary_both_ways():
    """Every name and unit-name part the generator writes, alone and in pairs."""
    from synth.population import GIVEN, SURNAMES, UNIT_SUFFIX, UNIT_WORDS

    words = SURNAMES + GIVEN + UNIT_WORDS + UNIT_SUFFIX
    pairs = [a + b for a in SURNAMES for b in GIVEN] + ["北京" + w + s for w in UNIT_WORDS for s in UNIT_SUFFIX]
    for text in words + pairs:
        assert utf8_reading(text.encode("gbk")) is None, text
        assert utf8_reading(text.encode("utf-8")) == text, text


def test_the_scores_behind_the_rule():
    # 白玉 in UTF-8 read as GBK: 鐧界帀, one of three characters everyday Chinese
    assert "白玉".encode("utf-8").decode("gbk") == "鐧界帀"
    assert commonness("鐧界帀") == pytest.approx(1 / 3) and commonness("白玉") == 1.0
    assert commonness("abc") == 1.0


def test_ascii_and_other_encodings_are_left_alone():
    assert utf8_reading(b"13800000000") is None
    assert utf8_reading("白玉".encode("utf-8"), encoding="utf-8") is None  # a UTF-8 spec: nothing to say
    assert utf8_reading(b"\xff\xfe") is None                              # not UTF-8: a decoding error instead


def test_fields_of_a_line_are_found_by_position():
    line = "202407|张三|".encode("gbk") + "白玉".encode("utf-8") + "|北京".encode("gbk")
    assert utf8_fields(line, b"|") == [(2, "白玉")]


def test_byte_order_marks():
    assert bom(b"\xef\xbb\xbf202407|") == "UTF-8" and bom(b"\xff\xfe2\x00") == "UTF-16LE" and bom(b"2024") is None


def _codec(data: bytes, encoding: str) -> bytes | None:
    try:
        return data.decode(encoding).encode("utf-8")
    except UnicodeDecodeError:
        return None


@pytest.mark.parametrize("encoding", ["gbk", "gb2312"])
def test_numpy_transcoding_is_the_codec_or_declines(encoding, monkeypatch):
    """double_byte_to_utf8 (the loader's fast path) gives exactly the codec's UTF-8 or None, never anything
    else: real lines, ASCII trail bytes (| \\ and letters), two-byte UTF-8 results (· α), runs of odd length,
    and random byte soup with invalid, truncated and lone lead bytes. (Text this dense in Chinese goes to the
    codec in a load; the NumPy path is tested on it with that cut-off lifted.)"""
    import random

    from loaders import encoding as enc

    gbk_only = "丟乂亍" if encoding == "gbk" else ""   # GBK extension characters, some with ASCII trails
    text = "|".join(NAMES + ADDRESSES) + "|表|璣|·|α|Ж|　|，|" + gbk_only + "|A1|\\|x|\n"
    good = text.encode(encoding, errors="ignore")   # (GB 2312 lacks the middle dot of a minority name)
    assert double_byte_to_utf8(good, encoding) is None                    # dense: the codec's
    sparse = good + b"0" * 5 * len(good)
    assert double_byte_to_utf8(sparse, encoding) == _codec(sparse, encoding)
    monkeypatch.setattr(enc, "DENSE", 1.0)
    assert any(0x40 <= good[i + 1] < 0x80 for i in range(len(good) - 1) if good[i] >= 0x81) or encoding == "gb2312"
    assert double_byte_to_utf8(good, encoding) == _codec(good, encoding) and _codec(good, encoding) is not None
    rng = random.Random(7)
    declined = 0
    for _ in range(300):
        soup = bytes(rng.choice([rng.randrange(256), rng.randrange(0x30, 0x80), *rng.choice(good[:400])
                                 .to_bytes(1, "big")]) for _ in range(rng.randrange(1, 40)))
        mixed = good[:rng.randrange(len(good))] + soup + b"\n"
        fast = double_byte_to_utf8(mixed, encoding)
        assert fast is None or fast == _codec(mixed, encoding), mixed
        declined += fast is None
        if _codec(mixed, encoding) is not None:
            assert fast is not None, mixed   # whatever the codec decodes, the fast path does too
    assert 0 < declined < 300
    assert double_byte_to_utf8(b"abc|123\n", encoding) == b"abc|123\n"
    assert double_byte_to_utf8(good[:-2] + b"\xb0", encoding) is None   # a lead byte at the end
    assert double_byte_to_utf8(good, "utf-8") is None                     # other encodings: the codec
