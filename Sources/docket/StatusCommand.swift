import ArgumentParser
import DocketCore
import DocketIndex
import DocketYAML
import Foundation

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Shows where cases stand: all of them as a table, or one in detail.",
        discussion: """
            The table is read from the case index (index.sqlite in the root folder), which is \
            first brought in step with the journals: a case whose journal changed is read and \
            verified again. A journal with a broken chain (altered or damaged) is reported as an \
            error (exit 65). If the index itself cannot be used, the journals are read instead \
            and a warning says how to rebuild it.

            --json prints, per case: case, workflow, state (running, waiting, completed, failed, \
            and the states a later Docket adds), step (the current or waiting step), created, \
            updated, inputs, subject, waiting_since, and steps (each with id, uses, name, state, \
            outputs, documents, attempts, message); one case gives one object, else a list. \
            Times in JSON are UTC; the table shows them in the workspace's time zone.
            """)

    @OptionGroup var options: RootOptions

    @Argument(help: ArgumentHelp("A case to show in detail.", valueName: "ID"))
    var caseID: String?

    @Option(name: .long, help: ArgumentHelp("Only cases in this state (waiting, failed, completed, …).", valueName: "STATE"))
    var state: String?

    @Option(name: .long, help: ArgumentHelp("Only cases of this workflow.", valueName: "NAME"))
    var workflow: String?

    @Option(name: .customLong("time-zone"), help: ArgumentHelp("Time zone of the times shown (default: docket.yaml's time-zone, Asia/Tokyo if it names none).", valueName: "ZONE"))
    var timeZone: String?

    @Flag(name: .long, help: "Print JSON for scripts.")
    var json = false

    func run() throws {
        let store = options.store
        let clock = try WallClock(zone: timeZone ?? (try? options.workspace())?.config.timeZone ?? WallClock.defaultZone)
        do {
            if let caseID {
                let c = try Self.summary(store, caseID)
                if json { print(try c.json()) } else { printDetail(c, clock: clock) }
                return
            }
            let filter = CaseFilter(state: state, workflow: workflow)
            let (rows, summaries, failed) = try read(store, filter: filter)
            if json { print(summaries.isEmpty ? "[]" : "[\n" + summaries.map(Self.indented).joined(separator: ",\n") + "\n]") }
            else { printTable(rows, clock: clock, total: failed ? nil : rows.count) }
            for name in store.leftovers() {
                printErr(name.hasPrefix(".purging-")
                    ? "docket: note: cases/\(name) holds a deletion that was interrupted; 'docket retention due' finishes it or says what to do"
                    : "docket: note: cases/\(name) was left by a 'docket new' that was killed; it holds no case and is removed by the next 'docket new'")
            }
            if failed { throw ExitCode(65) }
        } catch let e as ExitCode {
            throw e
        } catch {
            throw report(error)
        }
    }

    /// The rows (or their JSON) from the index, caught up with the journals first; from the
    /// journals alone if the index cannot be used. `failed`: some journal did not verify.
    func read(_ store: CaseStore, filter: CaseFilter) throws -> (rows: [CaseRow], json: [String], failed: Bool) {
        // No cases folder: nothing to index, and no index file left in a folder that is not a root.
        guard FileManager.default.fileExists(atPath: store.casesFolder.path) else { return ([], [], false) }
        do {
            let index = try SQLiteIndex(store: store)
            if let why = index.rebuiltBecause, why != "there was no index yet" {
                printErr("docket: note: the case index was made again from the journals (\(why))")
            }
            let caughtUp = try index.catchUp()
            let problems = (index.openReport?.problems ?? []) + caughtUp.problems
            for p in problems { _ = report(p.error) }
            if json { return ([], try index.summaries(filter), !problems.isEmpty) }
            return (try index.cases(filter), [], !problems.isEmpty)
        } catch let e as IndexError {
            printErr("docket: warning: \(e.description) (docket index rebuild\(options.rootHint)); reading the journals instead")
        }
        var rows: [CaseRow] = [], json: [String] = []
        var failed = false
        for id in store.caseIDs() {
            do {
                let s = try Self.summary(store, id)
                guard filter.matches(s) else { continue }
                if self.json { json.append(try s.json()) } else { rows.append(CaseRow(s)) }
            } catch {
                failed = true
                _ = report(error)
            }
        }
        return (rows, json, failed)
    }

    /// One case read from its journal (verified), with a warning where its snapshot does not
    /// give its steps and a note for a torn last line.
    static func summary(_ store: CaseStore, _ id: String) throws -> CaseSummary {
        let (contents, state) = try store.load(id)
        let steps = WorkflowSteps().steps(of: store, case: id, sha256: state.workflow?.sha256)
        if steps == nil { printErr("docket: warning: case \(id): its workflow snapshot does not read; showing the steps its journal records") }
        if contents.tornTail {
            printErr("docket: note: case \(id): the journal ends in a partial line from an interrupted write; it is ignored and removed at the next run")
        }
        return CaseSummary(id: id, events: contents.events, steps: steps)
    }

    /// One case's pretty JSON as an element of a pretty list (indented two more spaces).
    static func indented(_ json: String) -> String {
        json.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n")
    }

    func printTable(_ rows: [CaseRow], clock: WallClock, total: Int?) {
        guard !rows.isEmpty else {
            if state != nil || workflow != nil {
                let what = [state.map { "state '\(TerminalText.escaped($0))'" }, workflow.map { "workflow '\(TerminalText.escaped($0))'" }]
                print("no cases with \(what.compactMap { $0 }.joined(separator: " and "))")
            } else {
                print("no cases yet; open one with: docket new WORKFLOW --case ID\(options.rootHint)")
            }
            return
        }
        let header = ["CASE", "WORKFLOW", "STATE", "STEP", "SUBJECT", "WAITING SINCE", "UPDATED (\(clock.zoneName))"]
        let lines = rows.map { r in
            [r.id, TerminalText.escaped(r.workflow), r.state, r.step.map { TerminalText.escaped($0) } ?? "-",
             Table.shortened(TerminalText.escaped(r.subject ?? "-"), to: 30),
             r.waitingSince.map(clock.show) ?? "-", clock.show(r.updated)]
        }
        print(Table.render([header] + lines))
        var counts: [String: Int] = [:]
        for r in rows { counts[r.state, default: 0] += 1 }
        let parts = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { "\($0.value) \($0.key)" }
        print("\(rows.count) case\(rows.count == 1 ? "" : "s"): \(parts.joined(separator: ", "))")
    }

    func printDetail(_ c: CaseSummary, clock: WallClock) {
        print("case      \(c.case)")
        print("workflow  \(TerminalText.escaped(c.workflow))")
        if let subject = c.subject { print("subject   \(TerminalText.escaped(subject))") }
        print("state     \(c.state)\(c.step.map { " at step '\(TerminalText.escaped($0))'" } ?? "")")
        if let since = c.waitingSince { print("waiting   since \(clock.show(since)) (\(clock.zoneName))") }
        print("opened    \(clock.show(c.created)) (\(clock.zoneName))")
        print("updated   \(clock.show(c.updated)) (\(clock.zoneName))")
        if !c.inputs.isEmpty {
            print("inputs")
            for (k, v) in c.inputs.sorted(by: { $0.key < $1.key }) { print("  \(TerminalText.escaped(k)): \(TerminalText.escaped(v.description))") }
        }
        print("steps")
        let rows = [["STEP", "USES", "STATE", "TRIES", "NOTE"]] + c.steps.map {
            [TerminalText.escaped($0.id), TerminalText.escaped($0.uses), $0.state, String($0.attempts),
             $0.message.map { TerminalText.escaped($0) } ?? Table.documents($0.documents)]
        }
        print(Table.render(rows, indent: "  "))
    }
}

/// Journal times (UTC, ISO 8601) shown in a time zone, to the minute: `2022-06-27 14:00`.
final class WallClock {
    static let defaultZone = "Asia/Tokyo"
    let zone: TimeZone
    let zoneName: String
    /// The zone's offset by UTC hour (`2022-06-27T05`): asking Foundation per row was most of
    /// the time of a 100,000-case table.
    private var offsets: [Substring: Int] = [:]

    init(zone name: String) throws {
        guard let zone = TimeZone(identifier: name) else {
            throw ValidationError("unknown time zone '\(TerminalText.escaped(name))'; write a zone name such as Asia/Tokyo or UTC")
        }
        self.zone = zone
        zoneName = name
    }

    /// `2022-06-27T05:00:00.000Z` → `2022-06-27 14:00` in the zone; other text as it is.
    func show(_ iso: String) -> String {
        let f = iso.split(whereSeparator: { "-T:.Z".contains($0) }).compactMap { Int($0) }
        guard f.count >= 5 else { return TerminalText.escaped(iso) }
        var parts = tm()
        parts.tm_year = Int32(f[0] - 1900); parts.tm_mon = Int32(f[1] - 1); parts.tm_mday = Int32(f[2])
        parts.tm_hour = Int32(f[3]); parts.tm_min = Int32(f[4]); parts.tm_sec = Int32(f.count > 5 ? f[5] : 0)
        var t = timegm(&parts)
        let hour = iso.prefix(13)
        let offset = offsets[hour] ?? zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(t)))
        offsets[hour] = offset
        t += time_t(offset)
        var local = tm()
        gmtime_r(&t, &local)
        func pad(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(local.tm_year + 1900)-\(pad(local.tm_mon + 1))-\(pad(local.tm_mday)) \(pad(local.tm_hour)):\(pad(local.tm_min))"
    }
}

/// Plain-text tables aligned for terminals (East Asian wide characters count as two columns).
enum Table {
    static func width(_ s: String) -> Int {
        s.unicodeScalars.reduce(0) { n, u in n + (isWide(u) ? 2 : 1) }
    }

    static func isWide(_ u: Unicode.Scalar) -> Bool {
        let v = u.value
        return (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v) || (0xFFE0...0xFFE6).contains(v)
    }

    /// `s` cut to at most `columns` terminal columns, ending in `…` if cut.
    static func shortened(_ s: String, to columns: Int) -> String {
        guard width(s) > columns else { return s }
        var out = String.UnicodeScalarView()
        var used = 0
        for u in s.unicodeScalars {
            let w = isWide(u) ? 2 : 1
            if used + w > columns - 1 { break }
            out.append(u)
            used += w
        }
        return String(out) + "…"
    }

    /// A step's documents for a table cell: the first few with their sizes, then how many more.
    static func documents(_ docs: [DocumentRecord], shown: Int = 3) -> String {
        guard !docs.isEmpty else { return "" }
        var text = docs.prefix(shown).map { "\(TerminalText.escaped($0.path)) (\(humanSize($0.size)))" }.joined(separator: ", ")
        if docs.count > shown { text += " and \(docs.count - shown) more" }
        return text
    }

    /// `812 B`, `1.2 KB`, `3.4 MB`, `1.1 GB` (1 KB = 1,024 bytes).
    static func humanSize(_ bytes: Int64) -> String {
        guard bytes >= 1024 else { return "\(bytes) B" }
        var value = Double(bytes)
        for unit in ["KB", "MB", "GB", "TB"] {
            value /= 1024
            if value < 1024 || unit == "TB" { return value < 10 ? String(format: "%.1f", value) + " " + unit : "\(Int(value.rounded())) \(unit)" }
        }
        return "\(bytes) B"
    }

    /// Cells hold names and values from files and plugins: their control characters are escaped.
    static func render(_ rows: [[String]], indent: String = "") -> String {
        let rows = rows.map { $0.map { TerminalText.escaped($0) } }
        guard let columns = rows.map(\.count).max() else { return "" }
        let cellWidths = rows.map { $0.map(width) }  // once per cell: tables run to 100,000 rows
        var widths = [Int](repeating: 0, count: columns)
        for row in cellWidths { for (i, w) in row.enumerated() { widths[i] = max(widths[i], w) } }
        var out = ""
        for (r, row) in rows.enumerated() {
            if r > 0 { out += "\n" }
            out += indent
            for (i, cell) in row.enumerated() {
                out += cell
                if i < row.count - 1 { out += String(repeating: " ", count: widths[i] - cellWidths[r][i] + 2) }
            }
        }
        return out
    }
}
