package auth

import "testing"

// TestAllowedTable writes the role table out cell by cell: a change
// to permissions must change this table too.
func TestAllowedTable(t *testing.T) {
	const (
		y = true
		n = false
	)
	//                               admin analyst reviewer vendor
	table := map[Action][4]bool{
		DocsRead:          {y, y, y, n},
		DocsOriginal:      {y, y, y, n},
		Search:            {y, y, y, n},
		Report:            {y, y, y, n},
		Reveal:            {y, y, y, n},
		FindingsRead:      {y, y, y, n},
		FindingsWrite:     {y, y, n, n},
		VendorsRead:       {y, y, y, n},
		VendorsWrite:      {y, y, n, n},
		CasesRead:         {y, y, y, n},
		CasesWrite:        {y, y, n, n},
		PolicyWrite:       {y, y, n, n},
		ReleaseRead:       {y, y, y, n},
		ReleaseApprove:    {y, n, y, n},
		UsersAdmin:        {y, n, n, n},
		AuditRead:         {y, n, n, n},
		DocsWrite:         {y, y, n, n},
		Publish:           {y, y, n, n},
		Settings:          {y, n, n, n},
		VendorCaseRead:    {y, n, n, y},
		VendorCaseStatus:  {y, n, n, y},
		VendorCaseComment: {y, n, n, y},
		VendorCaseUpload:  {y, n, n, y},
	}
	ids := [4]Identity{
		{Name: "a", Role: Admin, Authenticated: true},
		{Name: "b", Role: Analyst, Authenticated: true},
		{Name: "c", Role: Reviewer, Authenticated: true},
		{Name: "d", Role: Vendor, Vendor: 7, Authenticated: true},
	}
	for _, a := range Actions() {
		row, ok := table[a]
		if !ok {
			t.Errorf("action %s is missing from the table", a)
			continue
		}
		for i, id := range ids {
			if got := Allowed(id, a); got != row[i] {
				t.Errorf("Allowed(%s, %s) = %v, want %v", id.Role, a, got, row[i])
			}
		}
	}
	if len(table) != len(Actions()) {
		t.Errorf("table has %d actions, Actions() %d", len(table), len(Actions()))
	}
}

func TestNobodyMayAnything(t *testing.T) {
	for _, id := range []Identity{
		{},
		{Name: "x", Role: Admin},           // not authenticated
		{Role: Admin, Authenticated: true}, // no name
		{Name: "x", Role: "root", Authenticated: true}, // unknown role
		{Name: "x", Role: Vendor, Authenticated: true}, // vendor without a vendor
		{Name: "x", Role: Vendor, Vendor: -1, Authenticated: true},
	} {
		for _, a := range append(Actions(), "made.up") {
			if Allowed(id, a) {
				t.Errorf("%+v may %s", id, a)
			}
		}
	}
	if Allowed(Operator("ana"), "made.up") {
		t.Error("an unknown action is allowed to an admin")
	}
}

func TestObjectChecks(t *testing.T) {
	vendorA := Identity{Name: "apple", Role: Vendor, Vendor: 1, Authenticated: true}
	analyst := Identity{Name: "ana", Role: Analyst, Authenticated: true}
	reviewer := Identity{Name: "rev", Role: Reviewer, Authenticated: true}
	cases := []struct {
		name string
		got  bool
		want bool
	}{
		{"vendor reads its case", CanReadCase(vendorA, []int64{2, 1}), true},
		{"vendor reads another's case", CanReadCase(vendorA, []int64{2, 3}), false},
		{"analyst reads any case", CanReadCase(analyst, []int64{2}), true},
		{"reviewer reads any case", CanReadCase(reviewer, nil), true},
		{"vendor sets own status", CanSetStatus(vendorA, 1), true},
		{"vendor sets another's status", CanSetStatus(vendorA, 2), false},
		{"analyst sets any status", CanSetStatus(analyst, 2), true},
		{"reviewer sets no status", CanSetStatus(reviewer, 2), false},
		{"vendor comments own case", CanComment(vendorA, []int64{1}), true},
		{"vendor comments another's", CanComment(vendorA, []int64{2}), false},
		{"reviewer does not comment", CanComment(reviewer, []int64{1}), false},
		{"vendor uploads to own case", CanUpload(vendorA, []int64{1}), true},
		{"vendor uploads to another's", CanUpload(vendorA, []int64{2}), false},
		{"reviewer does not upload", CanUpload(reviewer, []int64{1}), false},
		{"vendor sees itself", SeesVendor(vendorA, 1, false), true},
		{"vendor does not see others", SeesVendor(vendorA, 2, false), false},
		{"vendor sees others when shared", SeesVendor(vendorA, 2, true), true},
		{"analyst sees all", SeesVendor(analyst, 2, false), true},
		{"nobody sees nothing", SeesVendor(Identity{}, 1, true), false},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s: got %v", c.name, c.got)
		}
	}
}

func TestParseRole(t *testing.T) {
	for _, r := range Roles() {
		if got, err := ParseRole(string(r)); err != nil || got != r {
			t.Errorf("%s: %v %v", r, got, err)
		}
	}
	if _, err := ParseRole("Admin"); err == nil {
		t.Error("role names are lower case")
	}
}
