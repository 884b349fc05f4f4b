"""Sample report data and small helpers shared by the report tests."""

from __future__ import annotations

from datetime import date

from docx.document import Document as DocxDocument

from domain.consolidate import Grouped
from domain.report import FormResult, ReportData, UnitAppendix, UnitTaskLine
from domain.status import Bucket

MISSING_UNIT = "Phòng Quản lý chuyên ngành"
XSS = '<script>alert("x")</script>'
SECTION_HEADINGS = [
    "I. CÔNG TÁC CHỈ ĐẠO, TRIỂN KHAI",
    "II. KẾT QUẢ THỰC HIỆN",
    "III. ĐÁNH GIÁ CHUNG",
    "1. Ưu điểm",
    "2. Tồn tại, hạn chế và nguyên nhân",
    "IV. PHƯƠNG HƯỚNG, NHIỆM VỤ",
    "V. ĐỀ XUẤT, KIẾN NGHỊ",
    "PHỤ LỤC",
]
BBT = "Ban Biên tập Trang thông tin điện tử của Sở"
CDS = "Trung tâm Chuyển đổi số và Đổi mới sáng tạo"
VP = "Văn phòng Sở"
BCVT = "Phòng Bưu chính - Viễn thông và Công nghệ thông tin"
TDC = "Phòng Quản lý Tiêu chuẩn Đo lường Chất lượng"
CCTDC = "Chi cục Tiêu chuẩn Đo lường Chất lượng"
TOPICS = [
    ("1", "Quan điểm, chủ trương, chính sách, pháp luật về CCHC"),
    ("2", "Vai trò, trách nhiệm của người đứng đầu"),
    ("4", "Chỉ số PAR INDEX, SIPAS, PCI"),
    ("5b", "Cải cách thủ tục hành chính"),
    ("5dd", "Cải cách tài chính công"),
    ("5e", "Chính quyền điện tử hướng đến chính quyền số"),
    ("7", "Công khai địa chỉ, đường dây nóng tiếp nhận phản ánh"),
]


def form(number: int, title: str, **changes: object) -> FormResult:
    values: dict[str, object] = {
        "number": number,
        "code": f"form-{number}",
        "title": title,
        "window_text": "Thường xuyên trong năm",
        "lead": [BBT],
        "coordinating": ["Các phòng, đơn vị thuộc Sở"],
        "counts": {"news": 10 * number},
        "done": [Grouped(text=f"Đã thực hiện hình thức {number} theo Kế hoạch.", units=[BBT])],
        "evidence_links": number,
        "evidence_files": 1,
        "links": [f"https://skhcn.quangngai.gov.vn/cchc/{number}"],
        "topics": ["1", "5b"],
        "estimate": True,
    }
    return FormResult.model_validate(values | changes)


def forms() -> list[FormResult]:
    return [
        form(1, "Duy trì mục tuyên truyền CCHC trên Trang Thông tin điện tử của Sở"),
        form(2, "Đăng tải công khai tất cả các TTHC và các văn bản liên quan đến CCHC"),
        form(
            3,
            "Tuyên truyền thông qua xuất bản các bản tin, các Chuyên mục khoa học và công nghệ",
            lead=[CDS],
            counts={"bulletins": 12, "news": 4},
            topics=["5e", "7"],
        ),
        form(
            4,
            "Tổ chức các hoạt động nhân Ngày khoa học và công nghệ Việt Nam năm 2025",
            lead=[VP, BCVT, CDS],
            window_text="Quý II/2025",
            counts={"events": 3, "participants": 450},
            topics=["2", "4", "5e"],
            estimate=False,
        ),
        form(
            5,
            "Đào tạo về Hệ thống quản lý chất lượng theo TCVN ISO 9001:2015",
            lead=[TDC],
            coordinating=[],
            window_text="Quý I - II/2025",
            counts={"trainings": 2, "participants": 180},
            done=[Grouped(text=f"Tổ chức 02 lớp tập huấn {XSS}.", units=[TDC])],
            estimate=False,
        ),
        form(
            6,
            "Kiểm tra việc áp dụng Hệ thống quản lý chất lượng theo TCVN ISO 9001:2015",
            lead=[CCTDC],
            coordinating=[],
            window_text="Quý IV/2025",
            counts={"inspections": 8},
            links=[],
            evidence_links=0,
            evidence_files=0,
            topics=["1"],
        ),
    ]


def task(activity: str, bucket: Bucket, days_late: int = 0) -> UnitTaskLine:
    number = activity.removeprefix("Hình thức ")[:1]
    return UnitTaskLine(
        activity=activity,
        form=f"form-{number}",
        stage="Báo cáo",
        due=date(2025, 11, 14),
        bucket=bucket,
        days_late=days_late,
    )


def units() -> list[UnitAppendix]:
    return [
        UnitAppendix(
            unit=BBT, report_received=True, tasks=[task("Hình thức 1", Bucket.DONE_ON_TIME)]
        ),
        UnitAppendix(
            unit=CDS,
            report_received=True,
            tasks=[
                task("Hình thức 3", Bucket.DONE_LATE, 2),
                task("Hình thức 4", Bucket.DONE_ON_TIME),
            ],
        ),
        UnitAppendix(
            unit=VP, report_received=True, tasks=[task("Hình thức 4", Bucket.DONE_ON_TIME)]
        ),
        UnitAppendix(unit=BCVT, report_received=True, tasks=[]),
        UnitAppendix(
            unit=TDC, report_received=True, tasks=[task("Hình thức 5", Bucket.IN_PROGRESS)]
        ),
        UnitAppendix(
            unit=CCTDC, report_received=True, tasks=[task("Hình thức 6", Bucket.IN_PROGRESS)]
        ),
        UnitAppendix(
            unit=MISSING_UNIT,
            report_received=False,
            tasks=[task("Hình thức 1 | phối hợp", Bucket.OVERDUE, 5)],
        ),
    ]


def report_data(**changes: object) -> ReportData:
    values: dict[str, object] = {
        "issuer_parent": "UBND TỈNH QUẢNG NGÃI",
        "issuer": "SỞ KHOA HỌC VÀ CÔNG NGHỆ",
        "number_symbol": "…/BC-SKHCN",
        "place": "Quảng Ngãi",
        "dated": date(2025, 11, 25),
        "year": 2025,
        "title": "Kết quả thực hiện công tác tuyên truyền cải cách hành chính năm 2025",
        "addressee": "Ủy ban nhân dân tỉnh Quảng Ngãi",
        "direction": [
            "Sở Khoa học và Công nghệ ban hành Kế hoạch số 281/KH-SKHCN ngày 26/3/2025 "
            "về tuyên truyền cải cách hành chính năm 2025, phân công cụ thể cho các phòng, "
            "đơn vị thuộc Sở."
        ],
        "forms": forms(),
        "topics": TOPICS,
        "strengths": ["Các hình thức tuyên truyền được triển khai đầy đủ, đúng kế hoạch."],
        "weaknesses": ["Một số tin, bài còn chậm cập nhật."],
        "causes": [
            Grouped(text="Nhân lực làm công tác tuyên truyền còn kiêm nhiệm.", units=[BBT, VP])
        ],
        "directions": ["Tiếp tục duy trì chuyên mục CCHC trên Trang Thông tin điện tử của Sở."],
        "proposals": [
            Grouped(text="Đề nghị Sở Nội vụ tổ chức tập huấn nghiệp vụ tuyên truyền CCHC.")
        ],
        "units": units(),
        "missing_units": [MISSING_UNIT],
        "recipients": ["- Như trên;", "- Sở Nội vụ;", "- GĐ, các PGĐ Sở;", "- Lưu: VT, VP."],
        "signer_title": "GIÁM ĐỐC",
        "signer_name": "Nguyễn Văn A",
    }
    return ReportData.model_validate(values | changes)


def texts(document: DocxDocument) -> list[str]:
    return [p.text for p in document.paragraphs]
