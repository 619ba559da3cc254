package web

import "html/template"

const style = `<style>
body { font: 14px sans-serif; margin: 16px 24px; color: #222; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 24px; }
a { color: #0B5CAD; }
table { border-collapse: collapse; }
th, td { padding: 4px 10px; text-align: left; border-bottom: 1px solid #ddd; }
tr.valid td.v { background: #CDEFCF; } tr.invalid td.v { background: #FBC7CF; }
tr.unknown td.v { background: #FFE3A8; } tr.none td.v { background: #E4E4E4; }
tr.valid { background: #F2FBF2; } tr.invalid { background: #FDF0F2; } tr.unknown { background: #FFF8E8; }
.badge { padding: 2px 8px; border-radius: 3px; font-weight: bold; }
.badge.valid { background: #CDEFCF; } .badge.invalid { background: #FBC7CF; }
.badge.unknown { background: #FFE3A8; } .badge.none { background: #E4E4E4; }
pre { background: #F6F6F6; padding: 8px; overflow: auto; max-height: 480px; font-size: 12px; }
.plots img { display: block; margin: 8px 0; border: 1px solid #eee; max-width: 100%; }
.messages { max-height: 600px; overflow: auto; border: 1px solid #eee; }
.figures span, .flags span { margin-right: 12px; white-space: nowrap; }
code { font-size: 12px; }
.explanation { border-left: 4px solid #E0707F; padding: 4px 16px; background: #FFF7F8; }
.explanation h3 { font-size: 15px; margin: 14px 0 6px; }
.explanation li { margin: 4px 0; }
.crash pre { max-height: 640px; }
.missed { color: #A0102A; }
</style>`

var indexTmpl = template.Must(template.New("index").Funcs(funcs).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>glomers runs</title>` + style + `</head>
<body>
<h1>glomers runs</h1>
<p>{{len .Runs}} runs in <code>{{.Store}}</code>, newest first.</p>
{{if .Runs}}<table>
<thead><tr><th>verdict</th><th>challenge</th><th>workload</th><th>time</th><th>flags</th><th>key figures</th><th>run</th></tr></thead>
<tbody>
{{range .Runs}}<tr class="{{.Summary.Verdict}}"><td class="v">{{.Summary.Verdict}}</td><td class="challenge">{{.Meta.Challenge}}</td><td>{{.Workload}}</td><td>{{when .Time}}</td>
<td class="flags">{{range .Meta.Flags}}<span>{{.}}</span> {{end}}</td>
<td class="figures">{{range .Summary.Figures}}<span>{{.}}</span>{{end}}{{range .Meta.Missed}}<div class="missed">missed: {{.}}</div>{{end}}</td>
<td><a href="/run/{{.Workload}}/{{.Name}}/">{{.Name}}</a></td></tr>
{{end}}</tbody></table>
{{else}}<p>No runs yet: try <code>glomers run 1</code>.</p>{{end}}
</body></html>
`))

var runTmpl = template.Must(template.New("run").Funcs(funcs).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Workload}} {{.Name}}</title>` + style + `</head>
<body>
<p><a href="/">all runs</a></p>
<h1>{{if .Meta.Challenge}}challenge {{.Meta.Challenge}}: {{end}}{{.Workload}} <small>{{.Name}}</small> <span class="badge {{.Summary.Verdict}}">{{.Summary.Verdict}}</span></h1>
<p class="figures">{{when .Time}} {{range .Summary.Figures}}<span>{{.}}</span>{{end}}</p>
{{if .Command}}<p><code>{{.Command}}</code></p>{{end}}
<p><a href="/zip/{{.Workload}}/{{.Name}}">Download the run folder (.zip)</a>
{{if .Timeline}} · <a href="{{.Base}}timeline.html">timeline</a>{{end}}
{{if .Messages}} · <a href="{{.Base}}messages.svg">message diagram</a>{{end}}</p>
{{range .Meta.Missed}}<p class="missed">Target missed: {{.}}</p>{{end}}
{{if .CrashReport}}<section class="crash" id="crash"><h2>Crash report</h2>
<pre>{{.CrashReport}}</pre>
{{if .Explanation}}<p>What to look at next: <a href="{{.Base}}explanation.md">explanation.md</a></p>{{end}}</section>
{{else if .Explanation}}<section class="explanation" id="explanation">
{{.Explanation}}
<p><a href="{{.Base}}explanation.md">explanation.md</a></p></section>{{end}}
{{if and .Diagnostics (not .CrashReport)}}<h2>Diagnostics</h2>
<pre class="diagnostics">{{.Diagnostics}}</pre>{{end}}
<h2>Results</h2>
{{if .ResultsEDN}}<pre>{{.ResultsEDN}}</pre>{{if .Truncated}}<p>Cut: see <a href="{{.Base}}results.edn">results.edn</a>.</p>{{end}}
{{else if .CrashReport}}<p>No results: the test crashed before analysis (see the crash report above).</p>
{{else}}<p>No results.edn: the run crashed or is still going.</p>{{end}}
<h2>Files</h2>
<p>{{range .Files}}<a href="{{.Href}}">{{.Name}}</a> · {{end}}</p>
{{if .NodeLogs}}<p>Node logs: {{range .NodeLogs}}<a href="{{.Href}}">{{.Name}}</a> · {{end}}</p>{{end}}
<h2>Plots</h2>
<div class="plots">{{range .Plots}}<img src="{{$.Base}}{{.}}" alt="{{.}}" width="900" height="400">{{else}}<p>No plots.</p>{{end}}</div>
{{if .Messages}}<h2>Messages</h2>
<div class="messages"><img src="{{.Base}}messages.svg" alt="message diagram"></div>{{end}}
</body></html>
`))
