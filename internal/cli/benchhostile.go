package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/pflag"
)

// RusageEnv names the environment variable that makes glomers write its
// own resource usage (Rusage, as JSON) to a file when it exits; bench
// hostile sets it for the runs it measures.
const RusageEnv = "GLOMERS_RUSAGE_FILE"

// Rusage is what a glomers process used, itself only (not its nodes).
type Rusage struct {
	MaxRSSKB int64 `json:"max_rss_kb"`
	UserUS   int64 `json:"user_us"`
	SysUS    int64 `json:"sys_us"`
}

// WriteRusage writes this process's Rusage to path.
func WriteRusage(path string) error {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return fmt.Errorf("getrusage: %w", err)
	}
	b, _ := json.Marshal(Rusage{
		MaxRSSKB: ru.Maxrss,
		UserUS:   ru.Utime.Sec*1e6 + ru.Utime.Usec,
		SysUS:    ru.Stime.Sec*1e6 + ru.Stime.Usec,
	})
	return os.WriteFile(path, b, 0o644)
}

// hostileScenario is one measured run of bench hostile.
type hostileScenario struct {
	name   string
	bin    string   // a binary in the bin folder
	flags  []string // glomers test flags, after --bin
	goalMB int64    // peak RSS goal; 0 for none
}

var hostileScenarios = []hostileScenario{
	{"echo at rate 1000 (CPU per op)", "echo", []string{"-w", "echo", "--node-count", "1", "--rate", "1000", "--time-limit", "10"}, 0},
	{"nodes flooding their peers", "flood", []string{"-w", "echo", "--node-count", "3", "--rate", "20", "--time-limit", "10"}, 300},
	{"1 GiB of stderr, no newline", "stderr-flood", []string{"-w", "echo", "--node-count", "1", "--rate", "20", "--time-limit", "10"}, 200},
}

// benchHostileCmd runs each hostile scenario as its own glomers test
// process and prints what glomers itself used: peak RSS against its goal,
// CPU per operation, and bytes per network message.
func benchHostileCmd(args []string, env Env) int {
	fs := pflag.NewFlagSet("glomers bench hostile", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	binDir := fs.String("bin-dir", defaultBinDir(), "folder holding glomers, echo and the hostile nodes (testdata/hostile)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			fmt.Fprintf(env.Stdout, "Usage: glomers bench hostile [--bin-dir DIR]\n\n%s", fs.FlagUsages())
			return ExitValid
		}
		fmt.Fprintf(env.Stderr, "%v\n", err)
		return ExitUsage
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(env.Stderr, "glomers bench hostile: %v\n", err)
		return ExitCrash
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "scenario\tpeak RSS\tgoal\tCPU/op (main phase)\tCPU in all\tops\tmessages\tpeak RSS/message\tjournal/event\tverdict")
	code := ExitValid
	for _, s := range hostileScenarios {
		fmt.Fprintf(env.Stderr, "bench hostile: %s\n", s.name)
		m, err := measure(self, filepath.Join(*binDir, s.bin), s.flags)
		if err != nil {
			fmt.Fprintf(env.Stderr, "glomers bench hostile: %s: %v\n", s.name, err)
			code = ExitCrash
			continue
		}
		goal := "-"
		if s.goalMB > 0 {
			goal = fmt.Sprintf("< %d MB: met", s.goalMB)
			if m.rssMB() >= float64(s.goalMB) {
				goal = fmt.Sprintf("< %d MB: MISSED", s.goalMB)
				code = worse(code, ExitInvalid)
			}
		}
		fmt.Fprintf(tw, "%s\t%.0f MB\t%s\t%s\t%.1f s\t%d\t%d\t%s\t%s\t%s\n", s.name, m.rssMB(), goal,
			m.mainCPU, float64(m.ru.UserUS+m.ru.SysUS)/1e6, m.ops, m.msgs,
			perUnit(float64(m.ru.MaxRSSKB)*1024, m.msgs, "B"), perUnit(float64(m.journalBytes), m.events, "B"), m.verdict)
	}
	tw.Flush()
	return code
}

func perUnit(total float64, n int64, unit string) string {
	if n <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f %s", total/float64(n), unit)
}

// measurement is what one scenario run left.
type measurement struct {
	ru           Rusage
	ops, msgs    int64
	events       int64
	journalBytes int64
	verdict      string
	mainCPU      string // glomers' CPU per operation in the main phase, from jepsen.log
	took         time.Duration
}

// mainCPULine finds the runner's main-phase CPU figure in jepsen.log.
var mainCPULine = regexp.MustCompile(`glomers used (\d+) µs of CPU per operation`)

func (m measurement) rssMB() float64 { return float64(m.ru.MaxRSSKB) / 1024 }

// measure runs glomers test with --bin bin and flags in a fresh store and
// reads its resource usage and results.
func measure(self, bin string, flags []string) (measurement, error) {
	var m measurement
	dir, err := os.MkdirTemp("", "glomers-bench-")
	if err != nil {
		return m, err
	}
	defer os.RemoveAll(dir)
	usage := filepath.Join(dir, "rusage.json")
	store := filepath.Join(dir, "store")
	cmd := exec.Command(self, append([]string{"test", "--bin", bin, "--store", store}, flags...)...)
	cmd.Env = append(os.Environ(), RusageEnv+"="+usage)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	m.took = time.Since(start)
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return m, err
	}
	b, err := os.ReadFile(usage)
	if err != nil {
		return m, fmt.Errorf("no resource usage written (%v); output:\n%s", err, tailBytes(out))
	}
	if err := json.Unmarshal(b, &m.ru); err != nil {
		return m, err
	}
	latest := filepath.Join(store, "latest")
	var res struct {
		Stats struct {
			Count int64 `json:"count"`
		} `json:"stats"`
		Net struct {
			All struct {
				SendCount int64 `json:"send-count"`
				RecvCount int64 `json:"recv-count"`
				MsgCount  int64 `json:"msg-count"`
			} `json:"all"`
		} `json:"net"`
		Valid any `json:"valid"`
	}
	rb, err := os.ReadFile(filepath.Join(latest, "results.json"))
	if err != nil {
		return m, fmt.Errorf("no results (%v); output:\n%s", err, tailBytes(out))
	}
	if err := json.Unmarshal(rb, &res); err != nil {
		return m, err
	}
	m.ops, m.msgs = res.Stats.Count, res.Net.All.MsgCount
	m.events = res.Net.All.SendCount + res.Net.All.RecvCount
	m.verdict = fmt.Sprint(res.Valid)
	m.mainCPU = "-"
	if log, err := os.ReadFile(filepath.Join(latest, "jepsen.log")); err == nil {
		if sm := mainCPULine.FindSubmatch(log); sm != nil {
			m.mainCPU = string(sm[1]) + " µs"
		}
	}
	if st, err := os.Stat(filepath.Join(latest, "net-journal.json")); err == nil {
		m.journalBytes = st.Size()
	}
	return m, nil
}

func tailBytes(b []byte) string {
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}
