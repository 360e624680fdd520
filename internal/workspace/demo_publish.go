package workspace

import (
	"context"
	"time"

	"antidote/internal/cases"
)

// DemoFixes is what DemoFix did.
type DemoFixes struct {
	Fixed    int // upstream products fixed
	Deployed int // downstream makers' patch levels
	Open     int // cases left unfixed
}

// DemoFix plays the vendors over a summer: every case but each third (in
// the order Cases lists them) gets its notified products fixed at fixedAt
// in version fixedVersion, and its downstream makers ship patchLevel at
// deployedAt; the cases left out stay unfixed, so their advisories say so.
func (ws *Workspace) DemoFix(ctx context.Context, a Actor, fixedAt, deployedAt time.Time, fixedVersion, patchLevel string) (DemoFixes, error) {
	var res DemoFixes
	all, err := ws.Cases(ctx, a, fixedAt)
	if err != nil {
		return res, err
	}
	for i, c := range all {
		if i%3 == 2 {
			res.Open++
			continue
		}
		for _, t := range c.Targets {
			if t.Status != cases.Notified || t.Product == "" {
				continue
			}
			ev := cases.Event{Case: c.ID, At: fixedAt, Status: cases.Fixed, FixedVersion: fixedVersion}
			if t.Downstream {
				ev = cases.Event{Case: c.ID, At: deployedAt, Status: cases.FixDeployed, PatchLevel: patchLevel}
				res.Deployed++
			} else {
				res.Fixed++
			}
			if _, _, err := ws.SetStatus(ctx, a, t.Vendor+":"+t.Product, ev); err != nil {
				return res, err
			}
		}
	}
	return res, nil
}
