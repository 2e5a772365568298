// What a client app does with the generated types (openapi-typescript, from the served
// /openapi.json). `tsc --noEmit` fails when the document stops describing these calls the way
// clients use them: a renamed operationId, field or code, or an error that is no longer a
// problem document.
import type { components, operations, paths } from "./generated/schema";

type Body<O extends keyof operations> = operations[O] extends {
  requestBody: { content: { "application/json": infer B } };
}
  ? B
  : never;
type Json<O extends keyof operations, S extends keyof operations[O]["responses"]> =
  operations[O]["responses"][S] extends { content: { "application/json": infer R } } ? R : never;
type ProblemOf<O extends keyof operations, S extends keyof operations[O]["responses"]> =
  operations[O]["responses"][S] extends { content: { "application/problem+json": infer P } }
    ? P
    : never;
type Query<O extends keyof operations> = NonNullable<operations[O]["parameters"]["query"]>;

const LOGIN: keyof paths = "/v1/auth/login";
const PATIENTS: keyof paths = "/v1/clinic/patients";
const TREATMENTS: keyof paths = "/v1/clinic/patients/{id}/treatments";
const CHECK_INS: keyof paths = "/v1/me/check-ins";

class ApiProblem extends Error {
  constructor(readonly problem: components["schemas"]["Problem"]) {
    super(problem.detail);
  }
}

async function call<R>(base: string, method: string, path: string, token?: string, body?: unknown) {
  const res = await fetch(base + path, {
    method,
    headers: {
      "content-type": "application/json",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new ApiProblem(await res.json());
  return (await res.json()) as R;
}

export async function clinicDay(base: string, email: string, password: string): Promise<string[]> {
  const credentials: Body<"login"> = { email, password };
  const tokens = await call<Json<"login", 200>>(base, "POST", LOGIN, undefined, credentials);
  const staff: string = tokens.access_token;
  const refresh: string = tokens.refresh_token;
  const lifetimeSecs: number = tokens.expires_in;

  const search: Query<"listPatients"> = { q: "Ana", limit: 20 };
  const page = await call<Json<"listPatients", 200>>(
    base, "GET", `${PATIENTS}?${new URLSearchParams({ q: search.q ?? "" })}`, staff);
  const patient = page.items[0];
  const id: string = patient.id;
  const open: number = patient.open_escalations;

  const treatment: Body<"recordTreatment"> = {
    performed_at: new Date().toISOString(),
    areas: ["face"],
    needle_depth_mm: 1.0,
    device: "pen",
    session_number: 1,
    planned_sessions: 3,
    interval_weeks: 4,
    contraindications: [],
  };
  const recorded = await call<Json<"recordTreatment", 201>>(
    base, "POST", TREATMENTS.replace("{id}", id), staff, treatment);
  return [refresh, String(lifetimeSecs), String(open), ...recorded.prompts.map((p) => p.id)];
}

export async function patientCheckIn(base: string, token: string): Promise<string> {
  const today: Body<"createCheckIn"> = {
    redness: 4,
    swelling: 2,
    pain: 1,
    peeling: false,
    symptoms: ["fever"],
  };
  try {
    const result = await call<Json<"createCheckIn", 201>>(base, "POST", CHECK_INS, token, today);
    const severity: "none" | "routine" | "urgent" = result.severity;
    const escalated: boolean = result.escalated;
    return `${severity} ${escalated} ${result.guidance.join(" ")}`;
  } catch (e) {
    if (e instanceof ApiProblem) {
      const refused: ProblemOf<"createCheckIn", 422> = e.problem;
      return (refused.errors ?? []).map((f) => `${f.field}: ${f.message}`).join("; ");
    }
    throw e;
  }
}

// Closed sets are unions, not `string`: each field below must be exactly the codes the server
// sends (the Rust enums), so a document that widens one to `string` (or drops a code) fails
// `tsc`. `Exactly<A, B>` is true only when A and B are the same type.
type Exactly<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type NotString<T> = string extends T ? false : true;
function holds<T extends true>(): void {}
type S = components["schemas"];
type Item<T> = T extends readonly (infer I)[] ? I : never;

type Platforms = "ios" | "android" | "web";
type Providers = "fcm" | "apns" | "webpush";
type Environments = "production" | "sandbox";
type Severities = "none" | "routine" | "urgent";
type Symptoms = "pus" | "fever" | "spreading_redness" | "blisters" | "cold_sore" | "severe_pain";
type Kinds =
  | "aftercare"
  | "check_in"
  | "warning_signs"
  | "session_reminder"
  | "rebook"
  | "results"
  | "maintenance";
type PromptStates = "scheduled" | "sent" | "acknowledged" | "cancelled" | "failed";
type DeliveryChannels = "fcm" | "apns" | "webpush" | "sms" | "email";
type DeliveryStates = "sent" | "delivered" | "failed";
type PatientStates = "invited" | "active" | "disabled" | "discharged" | "erased";
type Areas = "face" | "neck" | "chest" | "hands" | "back" | "legs" | "scalp";

holds<Exactly<S["DeviceView"]["platform"], Platforms>>();
holds<Exactly<S["DeviceView"]["provider"], Providers>>();
holds<Exactly<NonNullable<S["DeviceView"]["apns_environment"]>, Environments>>();
holds<Exactly<S["DeviceSummary"]["platform"], Platforms>>();
holds<Exactly<S["DeviceSummary"]["provider"], Providers>>();
holds<Exactly<NonNullable<S["DeviceSummary"]["apns_environment"]>, Environments>>();
holds<Exactly<S["RegisterDevice"]["platform"], Platforms>>();
holds<Exactly<NonNullable<S["RegisterDevice"]["provider"]>, Providers>>();
holds<Exactly<NonNullable<S["RegisterDevice"]["apns_environment"]>, Environments>>();
holds<Exactly<S["PromptView"]["kind"], Kinds>>();
holds<Exactly<S["PromptView"]["important"], boolean>>();
holds<Exactly<Item<S["PromptView"]["deliveries"]>["channel"], DeliveryChannels>>();
holds<Exactly<Item<S["PromptView"]["deliveries"]>["status"], DeliveryStates>>();
holds<Exactly<Item<S["PatientRecordPrompt"]["deliveries"]>["status"], DeliveryStates>>();
holds<Exactly<NonNullable<S["Me"]["sms_consent"]>["source"], "clinic" | "patient">>();
holds<Exactly<S["Me"]["channels"]["sms"], boolean>>();
holds<Exactly<NonNullable<Item<S["PatientRecordView"]["texts"]>["keyword"]>, "stop" | "start" | "help">>();
holds<Exactly<NonNullable<Body<"updateMe">["sms_consent"]>, boolean>>();
holds<Exactly<NonNullable<Body<"correctPatient">["sms_consent"]>["text_version"], string>>();
holds<Exactly<S["PromptView"]["status"], PromptStates>>();
holds<Exactly<S["PatientRecordPrompt"]["status"], PromptStates>>();
holds<Exactly<S["CheckInCreated"]["severity"], Severities>>();
holds<Exactly<S["CheckInSummary"]["severity"], Severities>>();
holds<Exactly<Item<S["CheckInSummary"]["symptoms"]>, Symptoms>>();
holds<Exactly<Item<NonNullable<Body<"createCheckIn">["symptoms"]>>, Symptoms>>();
holds<Exactly<S["EscalationItem"]["status"], "open" | "resolved">>();
holds<Exactly<S["EscalationItem"]["severity"], Severities>>();
holds<
  Exactly<
    NonNullable<S["EscalationItem"]["rule"]>,
    "warning_sign" | "redness_not_fading" | "redness_worsening" | "strong_pain"
  >
>();
holds<Exactly<S["TokenResponse"]["role"], "clinic_admin" | "clinician" | "patient">>();
holds<Exactly<S["TokenResponse"]["token_type"], "Bearer">>();
holds<Exactly<S["InviteStaff"]["role"], "clinic_admin" | "clinician">>();
holds<Exactly<S["Me"]["locale"], "en" | "es">>();
holds<Exactly<S["Me"]["lock_screen_preview"], "private" | "full">>();
holds<Exactly<S["PatientSummaryView"]["status"], PatientStates>>();
holds<Exactly<S["PatientRecordView"]["status"], PatientStates>>();
holds<Exactly<S["RecordTreatment"]["device"], "pen" | "roller" | "stamp">>();
holds<Exactly<Item<S["RecordTreatment"]["areas"]>, Areas>>();
holds<Exactly<S["CourseWarningView"]["code"],
  | "session_repeated"
  | "session_backwards"
  | "beyond_planned_sessions"
  | "interval_too_short"
  | "before_last_treatment">>();
holds<NotString<S["AuditItem"]["action"]>>();
holds<Exactly<"patient.read" extends S["AuditItem"]["action"] ? true : false, true>>();
holds<Exactly<NonNullable<Query<"listEscalations">["status"]>, "open" | "resolved">>();
// The roster filters by every state but `disabled` (no patient account is disabled).
holds<Exactly<NonNullable<Query<"listPatients">["status"]>, Exclude<PatientStates, "disabled">>>();

// A union is what lets an app switch over a code exhaustively.
function platformLabel(p: S["DeviceSummary"]["platform"]): string {
  switch (p) {
    case "ios":
      return "iPhone";
    case "android":
      return "Android";
    case "web":
      return "Browser";
    default: {
      const unknown: never = p;
      return unknown;
    }
  }
}

// What the app shows on its "this phone" and "my check-ins" screens.
export async function patientHistory(base: string, token: string): Promise<string[]> {
  const devices = await call<Json<"listMyDevices", 200>>(base, "GET", "/v1/me/devices?limit=20", token);
  const lines = devices.items.map(
    (d) => `${platformLabel(d.platform)} …${d.token_hint} ${d.active ? "on" : "off"} ${d.created_at}`,
  );
  const query: Query<"listMyCheckIns"> = { limit: 10 };
  const checkIns = await call<Json<"listMyCheckIns", 200>>(
    base, "GET", `${CHECK_INS}?limit=${query.limit ?? 50}`, token);
  for (const c of checkIns.items) {
    const symptoms: Symptoms[] = c.symptoms;
    lines.push(`day ${c.day} ${c.severity} ${symptoms.join(",")} ${c.guidance.join(" ")}`);
  }
  return lines;
}
