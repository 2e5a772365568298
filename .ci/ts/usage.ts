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
