"""The courses and the question bank, as data (DOMAIN.md §5.4 and §5.7).

A course names what it is for (its kind), the study it asks for, and the exam that closes it:
how many questions are drawn from the bank, the pass mark, and the wait before a retake. The
legal minimums come from the rules (``licensing.rules``: 3 hours of 审验教育, R162 Art. 73;
the study days of R163 Arts. 18–19; 30 minutes online for one point, R163 Art. 27); the exam
sizes and pass marks of the review and reduction tests are **[unconfirmed]** in DOMAIN.md and
are our configuration, kept here where they can be changed. The full-score law exam uses the
pass mark of 科目一 (90 of 100, R162 Art. 38), our reading of R163 Art. 21 ("道路交通安全法律、
法规和相关知识考试").
"""

from __future__ import annotations

from dataclasses import dataclass

from jiaoguan.education.constants import CourseKind
from jiaoguan.licensing.rules import (
    PASS_MARK,
    REDUCTION_ACTIVITIES,
    RETAKE_WAIT_DAYS,
    REVIEW_EDUCATION_HOURS,
    STUDY_DAY_MINUTES,
)


@dataclass(frozen=True)
class Course:
    code: str
    kind: str
    title_zh: str
    title_en: str
    #: minutes of counted online study the course asks for (full score: per counted day)
    minutes: int
    questions: int
    pass_mark: int  # of 100
    retake_wait_days: int
    lessons: tuple[str, ...]
    citations: tuple[str, ...]


COURSES: dict[str, Course] = {
    c.code: c
    for c in (
        Course(
            "full-score",
            CourseKind.FULL_SCORE,
            "满分学习教育",
            "Full-score education",
            STUDY_DAY_MINUTES,  # a day counts when online study that day is over 3 hours
            10,
            PASS_MARK,
            RETAKE_WAIT_DAYS,  # R163 Art. 21: a failed law exam is retaken after 10 days
            ("道路交通安全法律法规", "安全驾驶知识", "交通事故案例警示", "文明驾驶"),
            ("R163 Art. 17", "R163 Art. 18", "R163 Art. 19", "R163 Art. 21"),
        ),
        Course(
            "review",
            CourseKind.REVIEW,
            "审验教育",
            "Licence-review education",
            REVIEW_EDUCATION_HOURS * 60,  # at least 3 hours
            5,
            80,
            0,
            ("道路交通安全法律法规", "交通安全文明驾驶", "应急处置", "交通事故案例警示"),
            ("R162 Art. 73", "R162 Art. 90"),
        ),
        Course(
            "reduction-online",
            CourseKind.REDUCTION,
            "学法减分（网上学习）",
            "Study to reduce points (online)",
            REDUCTION_ACTIVITIES["online"][0],  # 30 minutes within 3 days, plus a test
            5,
            80,
            0,
            ("道路交通安全法律法规", "交通安全文明驾驶"),
            ("R163 Art. 25", "R163 Art. 26", "R163 Art. 27"),
        ),
    )
}
#: R163 Art. 27: the online minutes of a reduction count within this many days of enrolling.
REDUCTION_WINDOW_DAYS = 3


@dataclass(frozen=True)
class Question:
    id: str
    text_zh: str
    text_en: str
    options: tuple[str, ...]
    answer: int  # index into options
    kinds: frozenset[str]  # the course kinds it is drawn for


_ALL = frozenset(CourseKind.values)

QUESTION_BANK: tuple[Question, ...] = (
    Question(
        "q01",
        "记分周期为多长时间？",
        "How long is a scoring cycle?",
        ("6个月", "12个月", "24个月"),
        1,
        _ALL,
    ),
    Question(
        "q02",
        "一个记分周期的满分是多少分？",
        "What is the full score of a scoring cycle?",
        ("6分", "12分", "24分"),
        1,
        _ALL,
    ),
    Question(
        "q03",
        "饮酒后驾驶机动车，一次记几分？",
        "How many points does drink-driving carry?",
        ("6分", "9分", "12分"),
        2,
        _ALL,
    ),
    Question(
        "q04",
        "记分周期从什么时候起算？",
        "From when is the scoring cycle counted?",
        ("初次领取驾驶证之日", "每年1月1日", "最近一次违法之日"),
        0,
        _ALL,
    ),
    Question(
        "q05",
        "周期结束时未满12分，哪些记分会转入下一周期？",
        "At the end of a cycle below 12 points, which points carry over?",
        ("全部记分", "罚款逾期未缴纳的违法行为的记分", "没有"),
        1,
        _ALL,
    ),
    Question(
        "q06",
        "小型汽车驾驶人满分学习的天数是多少？",
        "How many days of full-score study does a car driver owe?",
        ("3天", "7天", "30天"),
        1,
        _ALL,
    ),
    Question(
        "q07",
        "网上学习一天累计超过多少时间计为一天？",
        "Online study counts as a day when it totals more than how long?",
        ("1小时", "2小时", "3小时"),
        2,
        _ALL,
    ),
    Question(
        "q08",
        "一个记分周期内学法减分最多可以减多少分？",
        "At most how many points can study take off in one cycle?",
        ("3分", "6分", "12分"),
        1,
        _ALL,
    ),
    Question(
        "q09",
        "高速公路上错过出口时，正确的做法是？",
        "You miss an expressway exit. What do you do?",
        ("倒车返回", "继续行驶到下一出口", "在应急车道掉头"),
        1,
        _ALL,
    ),
    Question(
        "q10",
        "发生交通事故造成人员受伤，驾驶人应当？",
        "After an accident with injuries, the driver must:",
        ("立即停车、抢救伤员并报警", "驶离现场", "先与对方协商赔偿"),
        0,
        _ALL,
    ),
    Question(
        "q11",
        "满分后驾驶证会怎样？",
        "What happens to the licence at full score?",
        ("被扣留", "继续使用", "自动注销"),
        0,
        _ALL,
    ),
    Question(
        "q12",
        "满分考试不合格的，多少日后可以再次预约考试？",
        "After failing the full-score exam, how many days until a retake?",
        ("3日", "10日", "30日"),
        1,
        _ALL,
    ),
    Question(
        "q13",
        "驾驶机动车时接打手持电话，是否允许？",
        "May you use a hand-held phone while driving?",
        ("允许", "不允许", "低速时允许"),
        1,
        _ALL,
    ),
    Question(
        "q14",
        "审验教育的学习时间不少于多少？",
        "How long is licence-review education at least?",
        ("1小时", "3小时", "7天"),
        1,
        _ALL,
    ),
    Question(
        "q15",
        "遇到校车停靠、开启停车指示标志时，后方车辆应当？",
        "A school bus stops with its stop signal on. The vehicles behind it:",
        ("鸣喇叭催促", "停车等待", "从旁超越"),
        1,
        _ALL,
    ),
)
QUESTIONS = {q.id: q for q in QUESTION_BANK}


def bank_for(kind: str) -> list[Question]:
    return [q for q in QUESTION_BANK if kind in q.kinds]
