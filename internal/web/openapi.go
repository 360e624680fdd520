package web

import (
	"net/http"
	"regexp"
	"strings"
)

var pathParam = regexp.MustCompile(`\{([a-z]+)\}`)

// openAPI writes an OpenAPI 3.1 document of the API routes of the route
// table, so the document cannot miss a route or name one that is not
// served (openapi_test.go checks both ways against the mux).
func (s *Server) openAPI() map[string]any {
	paths := map[string]any{}
	for _, rt := range s.routes {
		if !rt.API {
			continue
		}
		item, _ := paths[rt.Pattern].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[rt.Pattern] = item
		}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(rt.Pattern, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "integer", "minimum": 1}})
		}
		for _, q := range rt.Query {
			sch := map[string]any{"type": "string"}
			if q == "page" || q == "per_page" {
				sch = map[string]any{"type": "integer", "minimum": 1}
			}
			params = append(params, map[string]any{"name": q, "in": "query", "required": q == "q", "schema": sch})
		}
		ok := "200"
		if rt.Method == http.MethodPost {
			ok = "201"
		}
		op := map[string]any{
			"operationId": operationID(rt),
			"summary":     rt.Summary,
			"responses": map[string]any{
				ok:        map[string]any{"description": "OK", "content": map[string]any{"application/json": map[string]any{"schema": ref(rt.Resp)}}},
				"default": map[string]any{"description": "an RFC 9457 problem", "content": map[string]any{"application/problem+json": map[string]any{"schema": ref("Problem")}}},
			},
		}
		if params != nil {
			op["parameters"] = params
		}
		switch {
		case rt.Body == "Upload":
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"multipart/form-data": map[string]any{"schema": ref(rt.Body)}}}
		case rt.Body != "":
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": ref(rt.Body)}}}
		}
		if rt.Resp == "Binary" {
			op["responses"].(map[string]any)[ok] = map[string]any{"description": "the file", "content": map[string]any{"application/octet-stream": map[string]any{"schema": ref("Binary")}}}
		}
		item[strings.ToLower(rt.Method)] = op
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "antidote API", "version": "1",
			"description": "Bearer tokens (antidote token create) or the session cookie with X-CSRF-Token on unsafe methods. Lists are paged."},
		"paths":    paths,
		"security": []any{map[string]any{"bearer": []any{}}, map[string]any{"cookie": []any{}}},
		"components": map[string]any{
			"securitySchemes": map[string]any{
				"bearer": map[string]any{"type": "http", "scheme": "bearer"},
				"cookie": map[string]any{"type": "apiKey", "in": "cookie", "name": s.cookieName()},
			},
			"schemas": schemas,
		},
	}
}

func ref(name string) map[string]any {
	if name == "" {
		name = "Object"
	}
	return map[string]any{"$ref": "#/components/schemas/" + name}
}

func operationID(rt route) string {
	p := strings.TrimPrefix(rt.Pattern, "/api/v1/")
	p = pathParam.ReplaceAllString(p, "by_$1")
	p = strings.NewReplacer("/", "_", ".", "_").Replace(p)
	return strings.ToLower(rt.Method) + "_" + p
}

func obj(props map[string]any, required ...string) map[string]any {
	o := map[string]any{"type": "object", "properties": props}
	if required != nil {
		o["required"] = required
	}
	return o
}

func page(item string) map[string]any {
	return obj(map[string]any{"items": map[string]any{"type": "array", "items": ref(item)}, "total": integer, "page": integer, "per_page": integer},
		"items", "total", "page", "per_page")
}

func list(item string) map[string]any { return map[string]any{"type": "array", "items": ref(item)} }

var (
	str     = map[string]any{"type": "string"}
	integer = map[string]any{"type": "integer"}
	boolean = map[string]any{"type": "boolean"}
	when    = map[string]any{"type": "string", "format": "date-time"}
)

var schemas = map[string]any{
	"Object":   map[string]any{"type": "object"},
	"Binary":   map[string]any{"type": "string", "contentMediaType": "application/octet-stream"},
	"Upload":   obj(map[string]any{"file": map[string]any{"type": "string", "contentMediaType": "application/octet-stream"}, "vendor": integer}, "file"),
	"File":     obj(map[string]any{"id": integer, "case": integer, "vendor": integer, "at": when, "author": str, "name": str, "media_type": str, "size": integer}, "id", "name"),
	"FileList": list("File"),
	"Problem":  obj(map[string]any{"type": str, "title": str, "status": integer, "detail": str, "instance": str}, "type", "title", "status"),
	"Me":       obj(map[string]any{"name": str, "role": map[string]any{"enum": []string{"admin", "analyst", "reviewer", "vendor"}}, "vendor": integer, "csrf_token": str}, "name", "role"),
	"Doc": obj(map[string]any{"id": integer, "paths": map[string]any{"type": "array", "items": str}, "sha256": str, "media_type": str, "charset": str,
		"size": integer, "text_size": integer, "truncated": boolean, "status": str, "reason": str, "parent": map[string]any{"type": []string{"integer", "null"}}, "complete": boolean}, "id"),
	"DocPage":     page("Doc"),
	"Text":        obj(map[string]any{"doc": integer, "redacted": boolean, "text": str}, "doc", "text"),
	"Hit":         obj(map[string]any{"doc": integer, "paths": map[string]any{"type": "array", "items": str}, "snippets": map[string]any{"type": "array", "items": str}}, "doc"),
	"SearchPage":  page("Hit"),
	"Finding":     obj(map[string]any{"id": integer, "state": str, "title": str, "summary": str}, "id", "title"),
	"FindingPage": page("Finding"),
	"Vendor":      obj(map[string]any{"id": integer, "name": str}, "id", "name"),
	"VendorList":  list("Vendor"),
	"Target": obj(map[string]any{"vendor_id": integer, "vendor": str, "product_id": integer, "product": str, "status": str, "since": when,
		"deadline": when, "days_left": integer, "resolved": boolean, "fixed_version": str, "patch_level": str, "justification": str}, "vendor_id", "status"),
	"Case": obj(map[string]any{"id": integer, "finding": integer, "finding_title": str, "summary": str, "opened": when, "shared": boolean,
		"targets": map[string]any{"type": "array", "items": ref("Target")}}, "id", "targets"),
	"CasePage": page("Case"),
	"StatusRequest": obj(map[string]any{"vendor": str, "product": str, "status": str, "fixed_version": str, "release_date": str,
		"patch_level": str, "justification": str, "note": str}, "status"),
	"Event":           obj(map[string]any{"seq": integer, "case": integer, "at": when, "actor": str, "kind": str, "status": str}, "at", "kind"),
	"EventList":       list("Event"),
	"Comment":         obj(map[string]any{"id": integer, "case": integer, "vendor": integer, "at": when, "author": str, "text": str}, "text"),
	"CommentList":     list("Comment"),
	"SharedRequest":   obj(map[string]any{"shared": boolean}, "shared"),
	"CommentRequest":  obj(map[string]any{"text": str, "vendor": integer}, "text"),
	"Decision":        obj(map[string]any{"doc": integer, "releasable": boolean, "blocked_by": map[string]any{"type": "array", "items": ref("Object")}}, "doc", "releasable"),
	"DecisionList":    list("Decision"),
	"ApprovalRequest": obj(map[string]any{"doc": integer}, "doc"),
	"Approval":        obj(map[string]any{"doc": integer, "new": boolean}, "doc", "new"),
	"AuditEvent":      obj(map[string]any{"seq": integer, "at": when, "actor": str, "action": str, "target": str}, "seq"),
	"AuditPage":       page("AuditEvent"),
}

func (s *Server) apiOpenAPI(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, s.openAPI())
}
