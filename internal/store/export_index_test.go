package store

// SetMergePage makes merges read n blocks at a time, so that tests cross
// page boundaries with small indexes; it returns the restoring function.
func SetMergePage(n int) func() {
	old := mergePage
	mergePage = n
	return func() { mergePage = old }
}
