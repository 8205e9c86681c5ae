/**
 * Every sentence of the school workspace (/truong), Vietnamese first, English second; both
 * dictionaries have the same keys (a missing translation is a compile error).
 */
import { translator } from "../common/i18n";

const vi = {
  documentTitle: "Không gian làm việc của nhà trường — hocba",
  skipLink: "Bỏ qua đến nội dung",
  navVerifier: "Xác minh học bạ",
  navLookup: "Tra cứu tốt nghiệp THCS",
  loading: "Đang kiểm tra phiên đăng nhập…",
  heading: "Không gian làm việc của nhà trường",
  intro:
    "Dành cho giáo vụ, giáo viên chủ nhiệm, hiệu trưởng, người giữ con dấu của nhà trường và cán bộ Sở GDĐT. Đăng nhập bằng tài khoản của ngành giáo dục.",
  signIn: "Đăng nhập",
  hello: "Xin chào,",
  signedInVia: "Đăng nhập qua",
  signOut: "Đăng xuất",
  assignmentsHeading: "Trường và vai trò của bạn",
  noAssignments:
    "Bạn chưa được giao vai trò ở trường nào. Hãy nhờ quản trị của trường hoặc Sở GDĐT giao vai trò cho bạn.",
  school: "Trường {code}",
  departmentScope: "Sở GDĐT ({code})",
  classes: "Lớp: {classes}",
  role_clerk: "Giáo vụ",
  role_homeroom: "Giáo viên chủ nhiệm",
  role_principal: "Hiệu trưởng",
  role_seal: "Người giữ con dấu",
  "role_school-admin": "Quản trị của trường",
  role_department: "Cán bộ Sở GDĐT",
  departmentHeading: "Tiến độ của các trường",
  departmentIntro:
    "Số học bạ của từng trường theo trạng thái. Sở chỉ xem số liệu tổng hợp, không xem hồ sơ của học sinh.",
  colSchool: "Trường",
  colTotal: "Tổng",
  state_pending: "Chờ neo",
  state_anchored: "Đã neo",
  state_revoked: "Đã thu hồi",
  state_superseded: "Đã thay thế",
  noSchools: "Chưa có trường nào được đăng ký.",
  errorGeneric: "Không tải được dữ liệu ({code}). Hãy thử lại.",
  errorSignOut: "Không đăng xuất được ({code}). Hãy tải lại trang và thử lại.",
  footer: "hocba — học bạ số. Mọi thao tác của cán bộ đều được ghi nhật ký.",
};

type Key = keyof typeof vi;

const en: Record<Key, string> = {
  documentTitle: "School workspace — hocba",
  skipLink: "Skip to content",
  navVerifier: "Verify a transcript",
  navLookup: "Lower-secondary graduation lookup",
  loading: "Checking your session…",
  heading: "School workspace",
  intro:
    "For a school's clerks, homeroom teachers, principal and seal holder, and for the department of education's officers. Sign in with your education-sector account.",
  signIn: "Sign in",
  hello: "Hello,",
  signedInVia: "Signed in through",
  signOut: "Sign out",
  assignmentsHeading: "Your schools and roles",
  noAssignments:
    "You have no role at any school yet. Ask your school's administrator or the department to give you one.",
  school: "School {code}",
  departmentScope: "Department of education ({code})",
  classes: "Classes: {classes}",
  role_clerk: "Clerk",
  role_homeroom: "Homeroom teacher",
  role_principal: "Principal",
  role_seal: "Seal holder",
  "role_school-admin": "School administrator",
  role_department: "Department officer",
  departmentHeading: "Schools' progress",
  departmentIntro:
    "Each school's transcripts counted by state. The department sees totals only, never a student's record.",
  colSchool: "School",
  colTotal: "Total",
  state_pending: "Pending",
  state_anchored: "Anchored",
  state_revoked: "Revoked",
  state_superseded: "Superseded",
  noSchools: "No school is registered yet.",
  errorGeneric: "Could not load the data ({code}). Please try again.",
  errorSignOut: "Could not sign out ({code}). Reload the page and try again.",
  footer: "hocba — digital transcripts. Every staff action is recorded in the audit log.",
};

export type MessageKey = Key;

/** `t("key", { values })` in the page's current language. */
export const t = translator<Key>({ vi, en });
