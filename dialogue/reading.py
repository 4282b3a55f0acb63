"""What a message says besides its intent: the talent's details, and words that mark the kind of turn."""

from __future__ import annotations

import re
from dataclasses import dataclass

from frontdesk.details import find_districts, find_tier_spans, find_tiers
from frontdesk.vocabulary import DISTRICTS, TIERS

# The district is where the talent works or lives when the clause around it says so ...
_WORKS_THERE = re.compile(
    r"上班|工作|任职|任教|就职|当(?:老师|医生|医师|教师|技术员)|上岗|到岗|调到|调入|落户|定居|安家|创业|开公司|"
    r"\b(?:work|working|works|based|live|living|employed|job)\b",
    re.IGNORECASE,
)
_OWN_BEFORE = re.compile(
    r"(?:我|我们|本人|俺|咱|咱们)(?:现在|目前|刚|刚刚|已经|一直)?(?:在|到|来|来到|调到)$|我是$"
)
_OWN_BEFORE_EN = re.compile(
    r"\b(?:i(?:'m| am)|we(?:'re| are)) (?:now |currently )?(?:in|at|from)\s*$", re.IGNORECASE
)
# ... and a place the question merely names when it is a school, a hospital, or where someone goes.
_PLACE_AFTER = re.compile(
    r"^(?:市|县|城区|县城)?(?:的)?(?:州|市|县)?(?:人民)?(?:医院|卫生院|学校|中学|小学|高中|初中|幼儿园|读|上学|就读|念书|看病|就医|住院)"
)
_GOES_BEFORE = re.compile(r"(?:去|到|回|转到|转去|送到|住在)$")
_CLAUSE_END = re.compile(r"[，。？！；,.?!;]")

HUMAN_CUE = re.compile(
    r"人工|真人|工作人员|客服|领导|投诉|找人|找你们|来个人|专人|办事员|"
    r"\b(?:person|human|agent|staff|someone|somebody|operator|complain\w*|representative)\b",
    re.IGNORECASE,
)
STATUS_CUE = re.compile(
    r"工单|进度|进展|到哪一步|到哪步|办到哪|处理得怎么样|处理的怎么样|有人处理|有回复|受理情况|GC-\d|"
    r"\b(?:status|progress|update on|my request|my ticket)\b",
    re.IGNORECASE,
)
# A message that asks something (rather than saying thanks or goodbye).
ASKS = re.compile(
    r"[?？吗么嘛]|怎么|咋|如何|多少|多久|几|哪|能不能|可不可以|是否|有没有|要不要|什么|啥|是不是|行不行|用不用|"
    r"[不没][?？。!！]*$|"
    r"\b(?:what|how|when|where|which|who|why|can|could|do|does|is|are|will|should|any)\b",
    re.IGNORECASE,
)
# A message that points back at what was just said, or that turns to something else.
POINTS_BACK = re.compile(
    r"也|还能|还可以|一起|这个|那个|这种|它|她|他|其|呢|同样|照样|\b(?:also|too|it|she|he|they|them|her|his|him|"
    r"this|that|what about|and)\b",
    re.IGNORECASE,
)
SWITCHES_TOPIC = re.compile(
    r"^\W*(?:对了|另外|还有个问题|还有一个问题|还有|顺便|换个问题|另一个问题|再问一下|再问个)|"
    r"\b(?:by the way|another question|one more thing|different question)\b",
    re.IGNORECASE,
)
# Attempts to make the assistant act outside its role ("忽略之前的指令", "列出所有人的手机号"): out of scope.
MANIPULATION = re.compile(
    r"忽略.{0,8}(?:指令|指示|规则|设定|提示)|(?:管理员|开发者|调试)模式|系统提示词|越狱|"
    r"(?:所有|全部|其他)(?:人才|人|用户)的.{0,12}(?:姓名|手机|电话|身份证|卡号|住址)|"
    r"\b(?:ignore (?:all |any )?(?:previous|prior|above) (?:instructions|rules)|system prompt|developer mode|"
    r"jailbreak)\b",
    re.IGNORECASE,
)
# What is left of a message that only gives a detail ("那精河县呢？", "我是D类的", "and for tier C?").
_FILLER = re.compile(
    r"那么|那|呢|的|吧|啊|呀|哦|是|我们|我|在|人才|如果|要是|换成|改成|还有|对于|类|工作|上班|这边|目前|现在|属于|"
    r"\b(?:and|what|about|for|if|in|the|i|am|i'm|im|tier|category|class|how|instead|then|level|talent|city|"
    r"county|work|working|live|based|now)\b|"
    r"[\W_\d]",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Details:
    """The talent's details a message gives, and districts it only names as places."""

    district: str | None = None
    tier: str | None = None
    places: tuple[str, ...] = ()
    own_spans: tuple[tuple[int, int], ...] = ()  # where the message says where the talent works


def without_own_district(text: str) -> str:
    """The message without the places it names as where the talent works: that describes the talent,
    not the question, and the answer is filtered by it anyway."""
    for start, end in sorted(read_details(text).own_spans, reverse=True):
        text = text[:start] + " " + text[end:]
    return text


_TIME_FRAME = re.compile(r"明年|下一年|下年度|后年|20\d\d年|next year|in 20\d\d", re.IGNORECASE)


def time_frame(text: str) -> str:
    """The later year a question is about ("明年", "2027年", "next year"), or ""."""
    return " ".join(match.group(0) for match in _TIME_FRAME.finditer(text))


def read_details(text: str) -> Details:
    """The district the talent works or asks about, their tier, and other districts merely named."""
    own: list[str] = []
    own_spans: list[tuple[int, int]] = []
    asked: list[str] = []
    places: list[str] = []
    for value, start, end in find_districts(text):
        clause = _CLAUSE_END.split(text[end:], maxsplit=1)[0]
        before = text[max(0, start - 8) : start]
        if _WORKS_THERE.search(clause[:12]) or _OWN_BEFORE.search(before) or _OWN_BEFORE_EN.search(before):
            own.append(value)
            own_spans.append((start, end))
        elif _PLACE_AFTER.search(clause) or _GOES_BEFORE.search(before):
            places.append(value)
        else:
            asked.append(value)
    district = own[0] if own else (asked[-1] if asked else None)
    tiers = find_tiers(text)
    return Details(
        district=district,
        tier=tiers[0] if tiers else None,
        places=tuple(dict.fromkeys(value for value in places if value != district)),
        own_spans=tuple(own_spans),
    )


def only_details(text: str) -> bool:
    """True when a message gives a detail and asks nothing else ("那温泉县呢？", "C-tier")."""
    rest = text
    for _, start, end in sorted(find_districts(text), key=lambda span: -span[1]):
        rest = rest[:start] + " " + rest[end:]
    for _, start, end in sorted(find_tier_spans(rest), key=lambda span: -span[1]):
        rest = rest[:start] + " " + rest[end:]
    return len(_FILLER.sub("", rest)) <= 1


def valid_district(value: object) -> str | None:
    return value if isinstance(value, str) and value in DISTRICTS else None


def valid_tier(value: object) -> str | None:
    return value if isinstance(value, str) and value in TIERS else None


def swap_details(question: str, *, district: str | None, tier: str | None) -> str:
    """The question asked again for another district or tier: the ones it named are replaced."""
    if district:
        for _, start, end in sorted(find_districts(question), key=lambda span: -span[1]):
            question = question[:start] + district + question[end:]
    if tier:
        for _, start, end in sorted(find_tier_spans(question), key=lambda span: -span[1]):
            named = question[start:end]
            question = question[:start] + tier + ("人才" if named.endswith("人才") else "") + question[end:]
    return question
