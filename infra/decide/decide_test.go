package decide

import "time"

// t0 is the tests' "now".
var t0 = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
