// Package web is antidote's HTTP front end: the JSON API under /api/v1/,
// the analyst console and the vendor portal (server-rendered HTML that
// works without JavaScript), login and logout.
//
// A handler parses the request, checks the caller's role with auth (before
// anything reaches the core, and again against the object for a vendor),
// calls the application core through the App interface declared here, and
// renders. One boundary (serve) maps errors to RFC 9457 problem+json on the
// API and to an HTML page elsewhere. It never imports store: persistence
// and audit are the core's.
package web
