// Package simkit holds the plumbing that paycore's gateway simulators
// (bkashsim, nagadsim, redirectgwsim, smssim) share, so that each simulator
// keeps only what is specific to its gateway: routes, bodies, codes, field
// names and the wording of its pages.
//
// The pieces are small and independent:
//
//   - Fault, FaultMode and Faults: a concurrency-safe set of per-endpoint
//     faults (delay, no answer, dropped connection, or a gateway-specific
//     answer such as a 503 or an HTML page), with Times counting and the
//     Before/After semantics of Fault.After. Faults.Serve and Faults.Apply
//     run one API call under its fault; Drop, Sleep and Faults.Hold are the
//     effects they are built from.
//   - FaultsHandler: the GET, POST and DELETE /faults admin routes.
//   - Stats: per-endpoint call counters with a fixed set of keys, and the
//     GET /stats and POST /stats/reset admin routes.
//   - WriteJSON, WriteJSONFallback, StaticJSON, WriteHTML and SeeOther: how
//     the simulators put JSON, HTML and redirects on the wire; ReadAll and
//     MaxBody bound what they read.
//   - Fields: a JSON request object kept raw, so that absent, null and
//     wrongly typed values can be told apart.
//   - MountURL: the absolute URL a simulator is mounted at, derived from a
//     request when it was not configured.
//   - RandString, AppendQuery, ParsePaisa, FormatPaisa and AllDigits: small
//     helpers for gateway-shaped identifiers, callback URLs and taka amounts
//     (Dhaka time is domain.Dhaka).
//   - WalletPage, WalletPageLook, CheckForm, Action, NormalizeWallet and
//     IsWalletNumber: the sandbox wallet page (wallet number, OTP, PIN) that
//     the payment simulators show customers, with SandboxOTP and SandboxPIN.
//
// Nothing here knows a gateway: every body a gateway answers with is given
// by the caller.
package simkit
