package web

import "antidote/internal/auth"

// route is one registered endpoint. The same table registers the mux,
// writes the OpenAPI document and drives the authorization matrix test.
type route struct {
	Method  string
	Pattern string
	API     bool
	// Allow is the role check made before the handler runs; nil makes the
	// route public. Handlers check objects (a vendor's own case) further.
	Allow   func(auth.Identity) bool
	Summary string
	Query   []string // documented query parameters
	Body    string   // request body schema (OpenAPI components), "" for none
	Resp    string   // response schema
	MaxBody int64    // request body limit when above the server's (uploads)
	handle  handler
}

// can allows an identity that may do any of the actions.
func can(actions ...auth.Action) func(auth.Identity) bool {
	return func(id auth.Identity) bool {
		for _, a := range actions {
			if auth.Allowed(id, a) {
				return true
			}
		}
		return false
	}
}

// loggedIn allows any valid identity.
func loggedIn(id auth.Identity) bool { return id.Valid() }

var (
	readCases    = can(auth.CasesRead, auth.VendorCaseRead)
	writeStatus  = can(auth.CasesWrite, auth.VendorCaseStatus)
	writeComment = can(auth.CasesWrite, auth.VendorCaseComment)
	writeUpload  = can(auth.CasesWrite, auth.VendorCaseUpload)
)

func (s *Server) routeTable() []route {
	return []route{
		// Public.
		{Method: "GET", Pattern: "/healthz", Summary: "liveness", handle: s.healthz},
		{Method: "GET", Pattern: "/login", Summary: "login form", handle: s.loginForm},
		{Method: "POST", Pattern: "/login", Summary: "log in", handle: s.login},

		// Pages.
		{Method: "POST", Pattern: "/logout", Allow: loggedIn, Summary: "log out", handle: s.logout},
		{Method: "GET", Pattern: "/{$}", Allow: loggedIn, Summary: "home", handle: s.home},
		{Method: "GET", Pattern: "/cases", Allow: readCases, Summary: "case list", handle: s.casesPage},
		{Method: "GET", Pattern: "/cases/{id}", Allow: readCases, Summary: "case page", handle: s.casePage},
		{Method: "POST", Pattern: "/cases/{id}/status", Allow: writeStatus, Summary: "status form", handle: s.statusForm},
		{Method: "POST", Pattern: "/cases/{id}/comments", Allow: writeComment, Summary: "comment form", handle: s.commentForm},
		{Method: "POST", Pattern: "/cases/{id}/shared", Allow: can(auth.CasesWrite), Summary: "share a case among its vendors", handle: s.sharedForm},
		{Method: "POST", Pattern: "/cases/{id}/files", Allow: writeUpload, Summary: "upload form", MaxBody: maxUpload, handle: s.uploadForm},
		{Method: "GET", Pattern: "/cases/{id}/files/{file}", Allow: readCases, Summary: "download a file", handle: s.download},
		{Method: "GET", Pattern: "/docs", Allow: can(auth.DocsRead), Summary: "documents as a provenance tree", handle: s.docsPage},
		{Method: "GET", Pattern: "/docs/{id}", Allow: can(auth.DocsRead), Summary: "a document's redacted text", handle: s.docPage},
		{Method: "POST", Pattern: "/docs/{id}/original", Allow: can(auth.DocsOriginal), Summary: "a document's original text (audited)", handle: s.originalPage},
		{Method: "GET", Pattern: "/search", Allow: can(auth.Search), Summary: "search", handle: s.searchPage},
		{Method: "GET", Pattern: "/findings", Allow: can(auth.FindingsRead), Summary: "findings", handle: s.findingsPage},
		{Method: "GET", Pattern: "/report", Allow: can(auth.Report), Summary: "the redaction report with charts", handle: s.reportPage},
		{Method: "GET", Pattern: "/release", Allow: can(auth.ReleaseRead), Summary: "the release plan", handle: s.releasePage},
		{Method: "POST", Pattern: "/release/approvals", Allow: can(auth.ReleaseApprove), Summary: "approve a document", handle: s.approveForm},
		{Method: "GET", Pattern: "/audit", Allow: can(auth.AuditRead), Summary: "the audit log", handle: s.auditPage},

		// Account administration (admins).
		{Method: "GET", Pattern: "/admin/users", Allow: can(auth.UsersAdmin), Summary: "users and tokens", handle: s.usersPage},
		{Method: "POST", Pattern: "/admin/users/{name}/disable", Allow: can(auth.UsersAdmin), Summary: "disable an account", handle: s.setDisabledForm(true)},
		{Method: "POST", Pattern: "/admin/users/{name}/enable", Allow: can(auth.UsersAdmin), Summary: "enable an account", handle: s.setDisabledForm(false)},
		{Method: "POST", Pattern: "/admin/tokens/{id}/revoke", Allow: can(auth.UsersAdmin), Summary: "revoke a token", handle: s.revokeForm},

		// JSON API.
		{Method: "GET", Pattern: "/api/v1/me", API: true, Allow: loggedIn, Summary: "the caller: name, role, vendor", Resp: "Me", handle: s.apiMe},
		{Method: "GET", Pattern: "/api/v1/openapi.json", API: true, Allow: loggedIn, Summary: "this document", Resp: "Object", handle: s.apiOpenAPI},
		{Method: "GET", Pattern: "/api/v1/docs", API: true, Allow: can(auth.DocsRead), Summary: "documents and their metadata", Query: pageParams, Resp: "DocPage", handle: s.apiDocs},
		{Method: "GET", Pattern: "/api/v1/docs/{id}", API: true, Allow: can(auth.DocsRead), Summary: "one document's metadata", Resp: "Doc", handle: s.apiDoc},
		{Method: "GET", Pattern: "/api/v1/docs/{id}/redacted", API: true, Allow: can(auth.DocsRead), Summary: "the redacted text", Resp: "Text", handle: s.apiRedacted},
		{Method: "GET", Pattern: "/api/v1/docs/{id}/text", API: true, Allow: can(auth.DocsOriginal), Summary: "the original extracted text (audited)", Resp: "Text", handle: s.apiOriginal},
		{Method: "GET", Pattern: "/api/v1/search", API: true, Allow: can(auth.Search), Summary: "search results with snippets", Query: append([]string{"q"}, pageParams...), Resp: "SearchPage", handle: s.apiSearch},
		{Method: "GET", Pattern: "/api/v1/findings", API: true, Allow: can(auth.FindingsRead), Summary: "findings", Query: pageParams, Resp: "FindingPage", handle: s.apiFindings},
		{Method: "GET", Pattern: "/api/v1/findings/{id}", API: true, Allow: can(auth.FindingsRead), Summary: "one finding", Resp: "Finding", handle: s.apiFinding},
		{Method: "GET", Pattern: "/api/v1/vendors", API: true, Allow: can(auth.VendorsRead), Summary: "vendors", Resp: "VendorList", handle: s.apiVendors},
		{Method: "GET", Pattern: "/api/v1/cases", API: true, Allow: readCases, Summary: "cases (a vendor: only its own)", Query: append([]string{"status"}, pageParams...), Resp: "CasePage", handle: s.apiCases},
		{Method: "GET", Pattern: "/api/v1/cases/{id}", API: true, Allow: readCases, Summary: "one case (another vendor's is 404)", Resp: "Case", handle: s.apiCase},
		{Method: "POST", Pattern: "/api/v1/cases/{id}/status", API: true, Allow: writeStatus, Summary: "set a vendor's status (a vendor: its own only)", Body: "StatusRequest", Resp: "Event", handle: s.apiSetStatus},
		{Method: "POST", Pattern: "/api/v1/cases/{id}/shared", API: true, Allow: can(auth.CasesWrite), Summary: "mark a case shared among its vendors (or not)", Body: "SharedRequest", Resp: "Case", handle: s.apiShared},
		{Method: "GET", Pattern: "/api/v1/cases/{id}/comments", API: true, Allow: readCases, Summary: "the case thread", Resp: "CommentList", handle: s.apiComments},
		{Method: "POST", Pattern: "/api/v1/cases/{id}/comments", API: true, Allow: writeComment, Summary: "comment on a case", Body: "CommentRequest", Resp: "Comment", handle: s.apiAddComment},
		{Method: "GET", Pattern: "/api/v1/cases/{id}/timeline", API: true, Allow: readCases, Summary: "events with who and when", Resp: "EventList", handle: s.apiTimeline},
		{Method: "GET", Pattern: "/api/v1/cases/{id}/files", API: true, Allow: readCases, Summary: "files attached to the case", Resp: "FileList", handle: s.apiFiles},
		{Method: "POST", Pattern: "/api/v1/cases/{id}/files", API: true, Allow: writeUpload, Summary: "attach a file (multipart/form-data, field file; stored sealed)", Body: "Upload", Resp: "File", MaxBody: maxUpload, handle: s.apiUpload},
		{Method: "GET", Pattern: "/api/v1/cases/{id}/files/{file}", API: true, Allow: readCases, Summary: "a file's content", Resp: "Binary", handle: s.download},
		{Method: "GET", Pattern: "/api/v1/release/plan", API: true, Allow: can(auth.ReleaseRead), Summary: "the release plan (release plan --json)", Query: []string{"at"}, Resp: "DecisionList", handle: s.apiReleasePlan},
		{Method: "POST", Pattern: "/api/v1/release/approvals", API: true, Allow: can(auth.ReleaseApprove), Summary: "approve a document for release", Body: "ApprovalRequest", Resp: "Approval", handle: s.apiApprove},
		{Method: "GET", Pattern: "/api/v1/report", API: true, Allow: can(auth.Report), Summary: "the redaction report", Resp: "Object", handle: s.apiReport},
		{Method: "GET", Pattern: "/api/v1/audit", API: true, Allow: can(auth.AuditRead), Summary: "the audit log", Query: pageParams, Resp: "AuditPage", handle: s.apiAudit},
	}
}
