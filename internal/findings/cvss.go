package findings

import (
	"errors"
	"fmt"
	"strings"

	gocvss31 "github.com/pandatix/go-cvss/31"
	gocvss40 "github.com/pandatix/go-cvss/40"
)

// Score is a CVSS vector with the base score and severity computed from it.
type Score struct {
	Version  string  `json:"version"` // "3.1" or "4.0"
	Vector   string  `json:"vector"`
	Score    float64 `json:"score"`
	Severity string  `json:"severity"` // NONE, LOW, MEDIUM, HIGH, CRITICAL
}

// ParseCVSS validates a CVSS v3.1 or v4.0 vector and computes its score.
// The version comes from the vector's prefix.
func ParseCVSS(vector string) (Score, error) {
	v := strings.TrimSpace(vector)
	switch {
	case strings.HasPrefix(v, "CVSS:3.1/"):
		c, err := gocvss31.ParseVector(v)
		if err != nil {
			return Score{}, fmt.Errorf("CVSS v3.1 vector is not valid: %s (see https://www.first.org/cvss/v3.1/specification-document)", cvssReason(err))
		}
		s := c.BaseScore()
		r, err := gocvss31.Rating(s)
		if err != nil {
			return Score{}, fmt.Errorf("CVSS v3.1 vector: %w", err)
		}
		return Score{Version: "3.1", Vector: c.Vector(), Score: s, Severity: strings.ToUpper(r)}, nil
	case strings.HasPrefix(v, "CVSS:4.0/"):
		c, err := gocvss40.ParseVector(v)
		if err != nil {
			return Score{}, fmt.Errorf("CVSS v4.0 vector is not valid: %s (see https://www.first.org/cvss/v4.0/specification-document)", cvssReason(err))
		}
		s := c.Score()
		r, err := gocvss40.Rating(s)
		if err != nil {
			return Score{}, fmt.Errorf("CVSS v4.0 vector: %w", err)
		}
		return Score{Version: "4.0", Vector: c.Vector(), Score: s, Severity: strings.ToUpper(r)}, nil
	case strings.HasPrefix(v, "CVSS:3.0/"), strings.HasPrefix(v, "AV:"):
		return Score{}, errors.New("only CVSS v3.1 and v4.0 vectors are accepted: rescore the vector and prefix it with CVSS:3.1/ or CVSS:4.0/")
	}
	return Score{}, errors.New("a CVSS vector must start with CVSS:3.1/ or CVSS:4.0/")
}

// cvssReason turns the library's error into a message that names the
// offending metric but never echoes the whole input.
func cvssReason(err error) string {
	var m31 *gocvss31.ErrMissing
	var d31 *gocvss31.ErrDefinedN
	var i31 *gocvss31.ErrInvalidMetric
	var i40 *gocvss40.ErrInvalidMetric
	switch {
	case errors.As(err, &m31):
		return "base metric " + m31.Abv + " is missing"
	case errors.As(err, &d31):
		return "metric " + d31.Abv + " appears more than once"
	case errors.As(err, &i31):
		return "unknown metric " + clip(i31.Abv)
	case errors.As(err, &i40):
		return "unknown metric " + clip(i40.Abv)
	case errors.Is(err, gocvss31.ErrInvalidMetricValue), errors.Is(err, gocvss40.ErrInvalidMetricValue):
		return "a metric has a value it does not allow"
	case errors.Is(err, gocvss40.ErrInvalidMetricOrder):
		return "metrics are out of the specification's order"
	case errors.Is(err, gocvss31.ErrTooShortVector), errors.Is(err, gocvss40.ErrTooShortVector):
		return "too short"
	}
	return "malformed"
}
