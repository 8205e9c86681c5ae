/**
 * The verifier page's words, Vietnamese first. Each check has a plain-language title and an
 * explanation per outcome, written for an admissions officer, not a cryptographer; the core's
 * English technical message is shown beside it as "details".
 */
import type { Check, CheckName } from "../../../service/src/core/verification";
import { language as currentLanguage, translator } from "../common/i18n";

const vi = {
  pageTitle: "Xác minh học bạ số",
  intro:
    "Chọn hoặc kéo thả tệp học bạ số (.hocba.json hoặc .pdf). Việc kiểm tra chạy ngay trên trình duyệt của bạn: tệp không được gửi đi đâu.",
  introPdf: "Chọn hoặc kéo thả tệp học bạ số (.hocba.json hoặc .pdf).",
  chooseFile: "Chọn tệp học bạ",
  dropHint: "…hoặc kéo thả tệp vào đây",
  scanQr: "Quét mã QR",
  scanStop: "Dừng quét",
  scanHelp: "Hướng camera vào mã QR của đường liên kết chia sẻ.",
  scanUnavailable: "Không mở được camera: {reason}",
  loadingFile: "Đang đọc tệp {name}…",
  loadingLink: "Đang tải học bạ từ đường liên kết chia sẻ…",
  verifying: "Đang kiểm tra…",
  readError: "Không đọc được tệp: {reason}",
  linkError: "Không tải được học bạ từ đường liên kết: {reason}",
  shareRevoked: "người chia sẻ đã thu hồi đường liên kết này. Hãy xin họ một đường liên kết mới.",
  shareExpired: "đường liên kết này đã hết hạn. Hãy xin người chia sẻ một đường liên kết mới.",
  shareNotFound: "đường liên kết không đúng hoặc không còn tồn tại. Hãy kiểm tra lại với người chia sẻ.",
  pdfNoCredential:
    "tệp PDF này không mang học bạ số (không có tệp .hocba.json đính kèm). Hãy dùng bản PDF do hệ thống hocba cấp, hoặc tệp .hocba.json.",
  pdfInvalid: "tệp PDF bị hỏng hoặc không đọc được.",
  verdictValid: "Học bạ hợp lệ",
  verdictValidText: "Tất cả các bước kiểm tra đều đạt. Nội dung dưới đây đúng như nhà trường đã ký và neo.",
  verdictInvalid: "Học bạ KHÔNG hợp lệ",
  verdictInvalidText: "Có bước kiểm tra không đạt (xem bên dưới). Không nên tin nội dung của tệp này.",
  verdictRevoked: "Học bạ ĐÃ BỊ THU HỒI",
  verdictRevokedText: "Nhà trường đã thu hồi học bạ này vào {at}. Học bạ không còn giá trị.",
  verdictError: "Chưa xác minh được",
  verdictErrorText:
    "Một số bước không kiểm tra được lúc này (ví dụ mất kết nối tới chuỗi khối). Đây không phải dấu hiệu giả mạo; hãy thử lại sau.",
  verdictNotHocba: "Đây không phải tệp học bạ số",
  verdictNotHocbaText:
    "Tệp này không có cấu trúc của một học bạ số hocba (mẫu hocba/1 hoặc hocba/2: nội dung, chữ ký số và thông tin neo). Có thể bạn đã chọn nhầm tệp; không có gì được kiểm tra thêm.",
  showPersonal: "Hiện số định danh và dân tộc",
  hidePersonal: "Ẩn số định danh và dân tộc",
  personalNote: "Thông tin cá nhân được ẩn như trên bản in; chỉ hiện khi cần đối chiếu.",
  hiddenValue: "(đã ẩn)",
  withheldValue: "Không chia sẻ",
  completionHeading: "Xác nhận hoàn thành chương trình trung học cơ sở",
  completionDate: "Ngày xác nhận",
  completionPrincipal: "Hiệu trưởng",
  withheldYear: "Năm học thứ {n}: người giữ học bạ không chia sẻ",
  withheldNote:
    "Người giữ học bạ đã chọn không chia sẻ các mục đánh dấu «Không chia sẻ». Chữ ký của nhà trường vẫn được kiểm tra với phần được chia sẻ.",
  assessmentLegend: "Đ: Đạt · CĐ: Chưa đạt (môn học đánh giá bằng nhận xét).",
  classification: "Xếp loại",
  certificates: "Chứng thư số của người ký",
  signerDefault: "Người ký",
  rolePrincipal: "Hiệu trưởng",
  roleHomeroom: "Giáo viên chủ nhiệm",
  roleOrganisation: "Con dấu của trường",
  checksHeading: "Các bước kiểm tra",
  signedPdfHeading: "Học bạ PDF có chữ ký số của trường",
  loadingProof: "Đang tìm bằng chứng neo của tệp PDF theo mã băm…",
  pdfHash: "Mã băm SHA-256 của tệp",
  pdfStructured: "Dữ liệu có cấu trúc",
  pdfStructuredYes: "Có: dịch vụ giữ học bạ có cấu trúc đính kèm trong tệp",
  pdfStructuredNo: "Không: tệp chỉ có bản PDF, không kèm dữ liệu có cấu trúc",
  pdfSignature: "Chữ ký {n}",
  neverAnchored:
    "Tệp PDF này chưa từng được neo qua hocba: không có bằng chứng nào cho mã băm của tệp (hoặc tệp đã bị sửa, hoặc nhà trường chưa nộp, hoặc chưa neo xong).",
  details: "Chi tiết kỹ thuật",
  statusValid: "Đạt",
  statusInvalid: "Không đạt",
  statusError: "Lỗi kiểm tra",
  statusSkipped: "Bỏ qua",
  skippedAfterFailure: "Không kiểm tra vì một bước trước đó không đạt.",
  transcriptHeading: "Học bạ",
  graduationHeading: "Quyết định công nhận tốt nghiệp",
  untrustedNote: "Nội dung của tệp: chưa được xác nhận hoặc không còn giá trị (xem kết quả kiểm tra ở trên).",
  student: "Học sinh",
  fullName: "Họ và tên",
  dateOfBirth: "Ngày sinh",
  gender: "Giới tính",
  ethnicity: "Dân tộc",
  placeOfBirth: "Nơi sinh",
  studentCode: "Mã học sinh",
  citizenId: "Số định danh cá nhân",
  school: "Trường",
  schoolCode: "Mã trường",
  level: "Cấp học",
  schoolYear: "Năm học {year} — Lớp {className}",
  subject: "Môn học",
  term1: "Học kỳ I",
  term2: "Học kỳ II",
  year: "Cả năm",
  academicResult: "Kết quả học tập",
  conductResult: "Kết quả rèn luyện",
  daysAbsent: "Số ngày nghỉ",
  outcome: "Kết quả cuối năm",
  homeroomTeacher: "Giáo viên chủ nhiệm",
  remarks: "Nhận xét",
  outcome_promoted: "Được lên lớp",
  "outcome_summer-reassessment": "Kiểm tra lại / rèn luyện trong hè",
  "outcome_held-back": "Ở lại lớp",
  outcome_graduated: "Hoàn thành chương trình",
  issuedAt: "Ngày cấp",
  documentId: "Mã tài liệu",
  issuerHeading: "Đơn vị cấp",
  signerSubject: "Người ký (chứng thư số)",
  signerIssuer: "Cơ quan cấp chứng thư",
  signingTime: "Thời điểm ký",
  timestamp: "Dấu thời gian",
  timestampBy: "{time}, do {tsa} cấp",
  certStatus: "Trạng thái chứng thư",
  certStatusGood: "tốt lúc",
  certStatusRevoked: "bị thu hồi lúc",
  certStatusAfterSigning: "sau thời điểm ký",
  certStatusBeforeSigning: "trước thời điểm ký",
  certStatusUnknown: "không rõ, lúc",
  certStatusPer: "theo",
  anchorHeading: "Neo trên chuỗi khối",
  anchoredAt: "Thời điểm neo",
  transaction: "Giao dịch",
  block: "Khối",
  registry: "Hợp đồng sổ cái",
  chain: "Chuỗi (chain id)",
  shareHeading: "Chia sẻ",
  shareText: "Mã QR này mở trang xác minh với cùng học bạ. Ai có mã đều xem được học bạ.",
  copyLink: "Sao chép đường liên kết",
  copied: "Đã sao chép",
  qrAlt: "Mã QR của đường liên kết chia sẻ",
  district: "Phòng Giáo dục",
  decidedBy: "Cơ quan công nhận tốt nghiệp",
  decision: "Quyết định",
  graduationYear: "Năm tốt nghiệp",
  diplomaSerial: "Số hiệu bằng",
  registryNumber: "Số vào sổ cấp bằng",
  again: "Kiểm tra tệp khác",
  modeApi: "Trạng thái chuỗi khối được hỏi qua dịch vụ hocba ({origin}).",
  modeRpc: "Trạng thái chuỗi khối được đọc trực tiếp từ nút RPC {rpc}.",
  footer: "hocba — học bạ số. Kiểm tra chạy trên trình duyệt với cùng quy trình như dịch vụ.",
  yes: "Có",
  no: "Không",
};

type Key = keyof typeof vi;

const en: Record<Key, string> = {
  pageTitle: "Verify a digital transcript",
  intro:
    "Choose or drop a digital transcript file (.hocba.json or .pdf). The checks run in your browser: the file is not sent anywhere.",
  introPdf: "Choose or drop a digital transcript file (.hocba.json or .pdf).",
  chooseFile: "Choose a transcript file",
  dropHint: "…or drop the file here",
  scanQr: "Scan a QR code",
  scanStop: "Stop scanning",
  scanHelp: "Point the camera at the QR code of a share link.",
  scanUnavailable: "The camera could not be opened: {reason}",
  loadingFile: "Reading {name}…",
  loadingLink: "Loading the transcript from the share link…",
  verifying: "Checking…",
  readError: "The file could not be read: {reason}",
  linkError: "The transcript could not be loaded from the link: {reason}",
  shareRevoked: "the person who shared it has revoked this link. Ask them for a new one.",
  shareExpired: "this link has expired. Ask the person who shared it for a new one.",
  shareNotFound: "the link is wrong or no longer exists. Check it with the person who shared it.",
  pdfNoCredential:
    "this PDF carries no digital transcript (no attached .hocba.json file). Use the PDF issued by hocba, or the .hocba.json file.",
  pdfInvalid: "the PDF is damaged or cannot be read.",
  verdictValid: "Valid transcript",
  verdictValidText: "Every check passed. The content below is exactly what the school signed and anchored.",
  verdictInvalid: "NOT a valid transcript",
  verdictInvalidText: "A check failed (see below). Do not rely on the content of this file.",
  verdictRevoked: "Transcript REVOKED",
  verdictRevokedText: "The school revoked this transcript on {at}. It is no longer valid.",
  verdictError: "Could not be verified",
  verdictErrorText:
    "Some checks could not be made right now (for example the chain could not be reached). This is not a sign of forgery; try again later.",
  verdictNotHocba: "This is not a hocba file",
  verdictNotHocbaText:
    "This file does not have the structure of a hocba digital transcript (the hocba/1 or hocba/2 format: content, digital signature and anchoring). Perhaps the wrong file was chosen; nothing else was checked.",
  showPersonal: "Show the citizen ID and ethnicity",
  hidePersonal: "Hide the citizen ID and ethnicity",
  personalNote: "Personal data is hidden as on the printed copy; show it only to compare it.",
  hiddenValue: "(hidden)",
  withheldValue: "Not shared",
  completionHeading: "Confirmation of lower-secondary completion",
  completionDate: "Confirmed on",
  completionPrincipal: "Principal",
  withheldYear: "School year {n}: not shared by the holder",
  withheldNote:
    "The holder chose not to share the items marked “Not shared”. The school's signature is still checked over what was shared.",
  assessmentLegend: "P: pass (Đ) · NP: not passed (CĐ) — subjects assessed by comment.",
  classification: "Classification",
  certificates: "Signers' certificates",
  signerDefault: "Signer",
  rolePrincipal: "Principal",
  roleHomeroom: "Homeroom teacher",
  roleOrganisation: "School seal",
  checksHeading: "Checks",
  signedPdfHeading: "PDF transcript signed by the school",
  loadingProof: "Looking up the PDF's anchoring proof by its hash…",
  pdfHash: "SHA-256 of the file",
  pdfStructured: "Structured data",
  pdfStructuredYes: "Yes: the service keeps the structured transcript attached to the file",
  pdfStructuredNo: "No: the file is a PDF only, with no structured data",
  pdfSignature: "Signature {n}",
  neverAnchored:
    "This PDF was never anchored through hocba: there is no proof for the file's hash (it was changed, the school never submitted it, or its anchoring is not finished).",
  details: "Technical details",
  statusValid: "Passed",
  statusInvalid: "Failed",
  statusError: "Could not check",
  statusSkipped: "Skipped",
  skippedAfterFailure: "Not checked because an earlier check failed.",
  transcriptHeading: "Transcript",
  graduationHeading: "Graduation record",
  untrustedNote: "Content of the file: not confirmed or no longer valid (see the checks above).",
  student: "Student",
  fullName: "Full name",
  dateOfBirth: "Date of birth",
  gender: "Gender",
  ethnicity: "Ethnicity",
  placeOfBirth: "Place of birth",
  studentCode: "Student code",
  citizenId: "Citizen ID",
  school: "School",
  schoolCode: "School code",
  level: "Level",
  schoolYear: "School year {year} — Class {className}",
  subject: "Subject",
  term1: "Term 1",
  term2: "Term 2",
  year: "Year",
  academicResult: "Learning result",
  conductResult: "Conduct result",
  daysAbsent: "Days absent",
  outcome: "End of year",
  homeroomTeacher: "Homeroom teacher",
  remarks: "Remarks",
  outcome_promoted: "Promoted",
  "outcome_summer-reassessment": "Summer reassessment",
  "outcome_held-back": "Held back",
  outcome_graduated: "Completed the programme",
  issuedAt: "Issued",
  documentId: "Document id",
  issuerHeading: "Issuer",
  signerSubject: "Signer (certificate)",
  signerIssuer: "Certificate issued by",
  signingTime: "Signed at",
  timestamp: "Timestamp",
  timestampBy: "{time} by {tsa}",
  certStatus: "Certificate status",
  certStatusGood: "good at",
  certStatusRevoked: "revoked at",
  certStatusAfterSigning: "after signing",
  certStatusBeforeSigning: "before signing",
  certStatusUnknown: "unknown, at",
  certStatusPer: "per",
  anchorHeading: "Anchored on the chain",
  anchoredAt: "Anchored at",
  transaction: "Transaction",
  block: "Block",
  registry: "Registry contract",
  chain: "Chain id",
  shareHeading: "Share",
  shareText: "This QR code opens the verifier on the same transcript. Anyone with it can see the transcript.",
  copyLink: "Copy the link",
  copied: "Copied",
  qrAlt: "QR code of the share link",
  district: "District education office",
  decidedBy: "Graduation recognised by",
  decision: "Decision",
  graduationYear: "Graduation year",
  diplomaSerial: "Diploma serial",
  registryNumber: "Diploma register number",
  again: "Check another file",
  modeApi: "The chain's state is asked through the hocba service ({origin}).",
  modeRpc: "The chain's state is read directly from the RPC node {rpc}.",
  footer:
    "hocba — digital school transcripts. The checks run in your browser, the same pipeline as the service.",
  yes: "Yes",
  no: "No",
};

export const t = translator<Key>({ vi, en });
export type MessageKey = Key;

interface CheckWords {
  title: string;
  valid: string;
  invalid: string;
  /** The format check when the file is a hocba file whose document breaks the rules. */
  rules?: string;
}

const checkWords: Record<"vi" | "en", Record<CheckName, CheckWords>> = {
  vi: {
    format: {
      title: "Định dạng tệp",
      valid: "Tệp là học bạ số theo đúng mẫu hocba.",
      invalid:
        "Tệp không phải học bạ số hocba: thiếu hoặc sai định dạng, nội dung, chữ ký số hay thông tin neo.",
      rules:
        "Tệp là học bạ số hocba nhưng nội dung vi phạm quy định của mẫu (thường vì đã bị sửa sau khi ký).",
    },
    integrity: {
      title: "Nội dung nguyên vẹn",
      valid: "Nội dung không bị thay đổi kể từ khi nhà trường ký.",
      invalid: "Nội dung đã bị thay đổi sau khi được ký (ví dụ một điểm số hay một tên bị sửa).",
    },
    signature: {
      title: "Chữ ký số",
      valid: "Chữ ký số khớp với nội dung này và với chứng thư số của người ký.",
      invalid: "Chữ ký số không khớp với nội dung này hoặc với chứng thư: tệp đã bị sửa hoặc làm giả.",
    },
    signer: {
      title: "Người ký có thẩm quyền",
      valid:
        "Chứng thư số của người ký do cơ quan được tin cậy cấp, còn hiệu lực khi ký và được đăng ký cho trường này.",
      invalid: "Người ký không được tin cậy, chứng thư hết hạn, hoặc không có quyền ký cho trường này.",
    },
    inclusion: {
      title: "Thuộc lô đã neo",
      valid: "Học bạ nằm trong lô tài liệu mà dịch vụ đã ghi lên chuỗi khối (bằng chứng Merkle).",
      invalid: "Bằng chứng Merkle không dẫn tới lô đã ghi: tệp có thể đã bị ghép nối.",
    },
    anchored: {
      title: "Ghi trên chuỗi khối",
      valid: "Lô tài liệu có trên sổ cái chuỗi khối, vào đúng thời điểm tệp ghi.",
      invalid: "Không tìm thấy lô này trên sổ cái chuỗi khối được tin cậy.",
    },
    revocation: {
      title: "Chưa bị thu hồi",
      valid: "Nhà trường chưa thu hồi học bạ này.",
      invalid: "Nhà trường đã thu hồi học bạ này.",
    },
    supersession: {
      title: "Là bản mới nhất",
      valid: "Không có bản chỉnh sửa nào thay thế học bạ này.",
      invalid: "Học bạ này đã được thay bằng một bản chỉnh sửa; hãy yêu cầu bản mới.",
    },
  },
  en: {
    format: {
      title: "File format",
      valid: "The file is a digital transcript in the hocba format.",
      invalid:
        "The file is not a hocba transcript: its format, content, digital signature or anchoring is missing or wrong.",
      rules:
        "The file is a hocba transcript, but its content breaks the format's rules (usually because it was edited after signing).",
    },
    integrity: {
      title: "Content intact",
      valid: "The content has not changed since the school signed it.",
      invalid: "The content was changed after it was signed (for example a score or a name was edited).",
    },
    signature: {
      title: "Digital signature",
      valid: "The digital signature matches this content and the signer's certificate.",
      invalid:
        "The digital signature does not match this content or its certificate: the file was changed or forged.",
    },
    signer: {
      title: "Authorized signer",
      valid:
        "The signer's certificate comes from a trusted authority, was valid at signing time and is registered for this school.",
      invalid:
        "The signer is not trusted, the certificate had expired, or it is not registered for this school.",
    },
    inclusion: {
      title: "Part of an anchored batch",
      valid: "The transcript belongs to a batch the service recorded on the chain (Merkle proof).",
      invalid: "The Merkle proof does not lead to the recorded batch: the file may have been spliced.",
    },
    anchored: {
      title: "Recorded on the chain",
      valid: "The batch is on the chain's ledger, at the time the file states.",
      invalid: "The batch was not found on the trusted chain's ledger.",
    },
    revocation: {
      title: "Not revoked",
      valid: "The school has not revoked this transcript.",
      invalid: "The school has revoked this transcript.",
    },
    supersession: {
      title: "Latest version",
      valid: "No correction replaces this transcript.",
      invalid: "A correction has replaced this transcript; ask for the new one.",
    },
  },
};

const errorWords = {
  vi: "Không kiểm tra được lúc này (ví dụ mất kết nối tới chuỗi khối hoặc dịch vụ). Đây không phải dấu hiệu giả mạo.",
  en: "This could not be checked right now (for example the chain or the service could not be reached). It is not a sign of forgery.",
};

/** Title and plain-language explanation of a check's outcome. */
export function describeCheck(language: "vi" | "en", check: Check): { title: string; explanation: string } {
  const words = checkWords[language][check.name];
  if (check.status === "invalid" && check.data?.neverAnchored === true)
    return { title: words.title, explanation: t("neverAnchored") };
  if (check.status === "invalid" && check.data?.failed === "rules" && words.rules !== undefined)
    return { title: words.title, explanation: words.rules };
  if (check.status === "valid" || check.status === "invalid")
    return { title: words.title, explanation: words[check.status] };
  if (check.status === "error") return { title: words.title, explanation: errorWords[language] };
  return { title: words.title, explanation: "" };
}

/**
 * English for the values a document holds in Vietnamese (the Vietnamese page shows them as
 * written). Names, places and remarks are not translated.
 */
const englishValues: Record<string, Record<string, string>> = {
  gender: { Nam: "Male", Nữ: "Female" },
  result: { Tốt: "Good", Khá: "Fairly good", Đạt: "Satisfactory", "Chưa đạt": "Not yet satisfactory" },
  classification: { Giỏi: "Very good", Khá: "Good", "Trung bình": "Average" },
  assessment: { Đ: "P", CĐ: "NP" },
  level: { THCS: "Lower secondary (THCS)", THPT: "Upper secondary (THPT)" },
  subject: {
    NVAN: "Vietnamese literature",
    TOAN: "Mathematics",
    NN1: "Foreign language 1",
    NN2: "Foreign language 2",
    GDCD: "Civic education",
    LSDL: "History and geography",
    KHTN: "Natural sciences",
    CN: "Technology",
    TIN: "Informatics",
    GDTC: "Physical education",
    NT: "Arts",
    AN: "Music",
    MT: "Fine arts",
    HDTN: "Experiential and career-guidance activities",
    GDDP: "Local education content",
    TDT: "Ethnic minority language",
    LS: "History",
    DL: "Geography",
    VL: "Physics",
    HH: "Chemistry",
    SH: "Biology",
    GDKTPL: "Economic and legal education",
    GDQPAN: "National defence and security education",
  },
};

/**
 * A document value in the page's language: `value` in Vietnamese (or `shown` when given, e.g. a
 * subject's name for its code), its English in English when one is known.
 */
export function valueText(kind: keyof typeof englishValues, value: string, shown: string = value): string {
  if (currentLanguage() === "vi") return shown;
  return englishValues[kind]?.[value] ?? shown;
}

const englishRoles: Record<string, string> = {
  "hiệu trưởng": "Principal",
  "phó hiệu trưởng": "Vice principal",
  "giáo viên chủ nhiệm": "Homeroom teacher",
  "trưởng phòng": "Head of the education office",
  "phó trưởng phòng": "Deputy head of the education office",
};

const registryRoles: Record<string, Key> = {
  principal: "rolePrincipal",
  homeroom: "roleHomeroom",
  organisation: "roleOrganisation",
};

/**
 * A signer's role as the issuer registry names it (principal, homeroom, organisation, or another
 * word the Department uses), in the page's language; without one, the certificate's title.
 */
export function signerRoleText(role: string | undefined, title: string | undefined): string {
  if (role === undefined) return roleText(title);
  const key = registryRoles[role];
  return key === undefined ? role : t(key);
}

/** A signer's role from the certificate's title, in the page's language ("Người ký" without one). */
export function roleText(title: string | undefined): string {
  if (title === undefined) return t("signerDefault");
  if (currentLanguage() === "vi") return title;
  return englishRoles[title.toLowerCase()] ?? title;
}
