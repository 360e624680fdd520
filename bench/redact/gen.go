package main

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"strconv"
)

// gen writes deterministic, loghub-like log lines: sshd, kernel, HDFS,
// Apache, OpenStack, ZooKeeper, Hadoop, Spark, Android, HealthApp, Windows
// CBS, postfix and DHCP lines with public and private IPv4, IPv6, e-mail and
// MAC addresses.
//
// The density is that of loghub's address-heavy server logs: the OpenSSH,
// HDFS, ZooKeeper, Linux and OpenStack samples together have 0.76
// identifiers per line (4.9 per KiB) with 40% of lines carrying none; this
// text has 0.76 per line (5.7 per KiB, its lines are shorter) with 43%
// without. Across all sixteen loghub samples the density is 0.30 per line,
// so this is the dense end. Values are drawn from pools with a Zipf law, so
// that a few addresses dominate and a long tail shows up now and then, as
// attackers and hosts do in real logs; it repeats less than loghub (in
// 2,000 lines about 27% of IPv4 occurrences are distinct values, against
// 5% in loghub), which costs a redactor more keyed hashes, not fewer. Lines
// without identifiers still carry what a detector must reject: clock
// times, dotted version numbers, hex ids, key=value pairs.
type gen struct {
	r     *rand.Rand
	ip4   pool
	priv  pool
	ip6   pool
	email pool
	mac   pool
	users []string
	t     int
}

// pool is a set of random values picked with a Zipf law: the first few
// often, the rest rarely.
type pool struct {
	v []string
	z *rand.Zipf
}

func (p pool) pick() string { return p.v[p.z.Uint64()] }

func newGen(seed uint64) *gen {
	g := &gen{r: rand.New(rand.NewPCG(seed, 42))}
	newPool := func(n int, f func() string) pool {
		v := make([]string, n)
		for i := range v {
			v[i] = f()
		}
		return pool{v: v, z: rand.NewZipf(g.r, 1.3, 1, uint64(n-1))}
	}
	g.ip4 = newPool(20000, func() string {
		a := 1 + g.r.IntN(223)
		for a == 10 || a == 127 || a == 100 || a == 169 || a == 172 || a == 192 || a == 198 || a == 203 {
			a = 1 + g.r.IntN(223)
		}
		return fmt.Sprintf("%d.%d.%d.%d", a, g.r.IntN(256), g.r.IntN(256), 1+g.r.IntN(254))
	})
	g.priv = newPool(4000, func() string {
		if g.r.IntN(2) == 0 {
			return fmt.Sprintf("10.%d.%d.%d", g.r.IntN(256), g.r.IntN(256), 1+g.r.IntN(254))
		}
		return fmt.Sprintf("192.168.%d.%d", g.r.IntN(256), 1+g.r.IntN(254))
	})
	g.ip6 = newPool(3000, func() string {
		return fmt.Sprintf("2a0%x:%x:%x::%x", g.r.IntN(16), g.r.IntN(65536), g.r.IntN(65536), g.r.IntN(65536))
	})
	domains := []string{"example.com", "mail.example.org", "corp.example.net", "gmail.com", "yahoo.co.uk", "agency.gov"}
	first := []string{"alice", "bob", "carol", "dave", "eve", "mallory", "trent", "peggy", "victor", "walter"}
	i := 0
	g.email = newPool(5000, func() string {
		i++
		return first[i%len(first)] + "." + strconv.Itoa(i) + "@" + domains[g.r.IntN(len(domains))]
	})
	g.mac = newPool(2000, func() string {
		return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", g.r.IntN(256)&0xfe, g.r.IntN(256), g.r.IntN(256), g.r.IntN(256), g.r.IntN(256), g.r.IntN(256))
	})
	g.users = []string{"root", "admin", "test", "oracle", "webmaster", "guest", "ubuntu", "pi", "git", "postgres"}
	return g
}

func (g *gen) user() string { return g.users[g.r.IntN(len(g.users))] }

func (g *gen) stamp() string {
	g.t++
	return fmt.Sprintf("Dec %2d %02d:%02d:%02d", 1+g.t/86400%28, g.t/3600%24, g.t/60%60, g.t%60)
}

// nTemplates is how many line templates line chooses from, uniformly.
// Identifiers per template, in order: 1 1 1 1 2 0 0 1 0 1 3 2 1 0 1 1 0 0
// 0 0 0, so 16 in 21 lines (0.76 per line) and 9 lines in 21 without.
const nTemplates = 21

// line appends one log line.
func (g *gen) line(b []byte) []byte {
	pid := strconv.Itoa(1000 + g.r.IntN(30000))
	port := strconv.Itoa(1024 + g.r.IntN(60000))
	var s string
	switch g.r.IntN(nTemplates) {
	case 0:
		s = g.stamp() + " LabSZ sshd[" + pid + "]: Failed password for invalid user " + g.user() + " from " + g.ip4.pick() + " port " + port + " ssh2"
	case 1:
		s = g.stamp() + " LabSZ sshd[" + pid + "]: Invalid user " + g.user() + " from " + g.ip4.pick()
	case 2:
		s = g.stamp() + " LabSZ sshd[" + pid + "]: Received disconnect from " + g.ip4.pick() + ": 11: Bye Bye [preauth]"
	case 3:
		s = g.stamp() + " LabSZ sshd[" + pid + "]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=" + g.ip4.pick() + "  user=" + g.user()
	case 4:
		s = "081109 2036" + strconv.Itoa(10+g.r.IntN(50)) + " " + pid + " INFO dfs.DataNode$DataXceiver: Receiving block blk_-" + strconv.FormatUint(g.r.Uint64()>>1, 10) + " src: /" + g.priv.pick() + ":" + port + " dest: /" + g.priv.pick() + ":50010"
	case 5:
		s = "081109 2036" + strconv.Itoa(10+g.r.IntN(50)) + " " + pid + " INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_" + strconv.FormatUint(g.r.Uint64()>>1, 10) + " terminating"
	case 6:
		s = "081109 2036" + strconv.Itoa(10+g.r.IntN(50)) + " " + pid + " INFO dfs.FSNamesystem: BLOCK* NameSystem.allocateBlock: /user/root/rand/_temporary/_task_200811092030_0001_m_" + strconv.Itoa(100000+g.r.IntN(900000)) + "_0/part-" + strconv.Itoa(10000+g.r.IntN(90000)) + ". blk_-" + strconv.FormatUint(g.r.Uint64()>>1, 10)
	case 7:
		s = "[Sun Dec 04 04:47:44 2005] [error] [client " + g.ip4.pick() + "] Directory index forbidden by rule: /var/www/html/"
	case 8:
		s = "2017-05-16 00:00:04.500 25743 INFO nova.compute.manager [req-" + strconv.FormatUint(g.r.Uint64(), 16) + " - - -] [instance: b9000564-fe1a-409b-b8cc-1e88b294cd1d] VM Stopped (Lifecycle Event)"
	case 9:
		s = "nova-api.log 2017-05-16 00:00:00.008 25746 INFO nova.osapi_compute.wsgi.server [req-38101a0b-2096-447d-96ea-a692162415ae 113d3a99c3da401fbd62cc2caa5b96d2 - - -] " + g.priv.pick() + " \"GET /v2/54fadb412c4e40cdbaed9335e4c35a9e/servers/detail HTTP/1.1\" status: 200 len: 1893 time: 0.2477829"
	case 10:
		s = g.stamp() + " mx1 postfix/smtpd[" + pid + "]: NOQUEUE: reject: RCPT from unknown[" + g.ip4.pick() + "]: 554 5.7.1; from=<" + g.email.pick() + "> to=<" + g.email.pick() + "> proto=ESMTP"
	case 11:
		s = g.stamp() + " gw dhcpd[" + pid + "]: DHCPACK on " + g.priv.pick() + " to " + g.mac.pick() + " via eth0"
	case 12:
		s = g.stamp() + " bastion sshd[" + pid + "]: Accepted publickey for " + g.user() + " from " + g.ip6.pick() + " port " + port + " ssh2: RSA SHA256:x8Zk3d9QmPq0Lw"
	case 13:
		s = "2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.mapreduce.v2.app.MRAppMaster: Created MRAppMaster for application appattempt_1445144423722_0020_00000" + strconv.Itoa(1+g.r.IntN(9))
	case 14:
		s = g.stamp() + " calvisitor kernel[0]: ARPT: " + strconv.Itoa(g.r.IntN(999999)) + ".652 wl0: setup_keepalive: Remote IP: " + g.priv.pick() + " version 2.4.1"
	case 15:
		// The unspecified IPv6 address, with a port glued on, as ZooKeeper logs it.
		s = "2015-07-29 19:04:12,394 - INFO  [QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181:FastLeaderElection@774] - Notification time out: " + strconv.Itoa(g.r.IntN(60000))
	case 16:
		s = "17/06/09 20:10:" + strconv.Itoa(10+g.r.IntN(50)) + " INFO storage.BlockManager: Found block rdd_" + strconv.Itoa(g.r.IntN(100)) + "_" + strconv.Itoa(g.r.IntN(1000)) + " locally"
	case 17:
		s = "03-17 16:13:38." + strconv.Itoa(100+g.r.IntN(900)) + "  1702  " + pid + " D PowerManagerService: acquire lock=" + strconv.Itoa(g.r.IntN(1<<30)) + ", flags=0x1, tag=\"View Lock\", name=com.android.systemui, ws=null, uid=10037, pid=" + pid
	case 18:
		s = "20171223-22:15:29:" + strconv.Itoa(100+g.r.IntN(900)) + "|Step_LSC|30002312|onExtend:1514038530000 " + strconv.Itoa(g.r.IntN(100)) + " 0 4"
	case 19:
		s = "2016-09-28 04:30:31, Info                  CSI    0000000" + strconv.Itoa(1+g.r.IntN(9)) + "@2016/9/27:20:30:31.455 WcpInitialize (wcp.dll version 6.1.7601.23505) called (stack @0x7fed806eb5d @0x7fef9fb9b6d @0x7fef9f8358f)"
	case 20:
		s = "- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50." + strconv.Itoa(100000+g.r.IntN(900000)) + " R02-M1-N0-C:J12-U11 RAS KERNEL INFO instruction cache parity error corrected"
	}
	b = append(b, s...)
	return append(b, '\n')
}

// generateDense writes size bytes of the dense text of the detector's
// benchmarks (denseText in internal/detect/bench_test.go, whose first MiB
// this is, byte for byte): an identifier or near-miss every ~25 bytes,
// IPv4 (random, so nearly all distinct), IPv6, e-mail, MAC, versions,
// clock times and a credential, on one line without a break. The last
// piece may be cut short.
func generateDense(w *bufio.Writer, size int64) error {
	r := rand.New(rand.NewPCG(7, 7))
	var n int64
	var b []byte
	for n < size {
		b = b[:0]
		switch r.IntN(10) {
		case 0:
			b = fmt.Appendf(b, "%d.%d.%d.%d ", r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(256))
		case 1:
			b = fmt.Appendf(b, "2001:db8::%x ", r.IntN(65536))
		case 2:
			b = fmt.Appendf(b, "user%d@example.com ", r.IntN(1000))
		case 3:
			b = fmt.Appendf(b, "%02x:%02x:%02x:%02x:%02x:%02x ", r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(256))
		case 4:
			b = fmt.Appendf(b, "v%d.%d.%d ", r.IntN(10), r.IntN(10), r.IntN(10))
		case 5:
			b = fmt.Appendf(b, "%02d:%02d:%02d ", r.IntN(24), r.IntN(60), r.IntN(60))
		case 6:
			b = append(b, "password=hunter2 std::vector "...)
		default:
			b = append(b, "the quick brown fox "...)
		}
		b = b[:min(int64(len(b)), size-n)]
		if _, err := w.Write(b); err != nil {
			return err
		}
		n += int64(len(b))
	}
	return w.Flush()
}
