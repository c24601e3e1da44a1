import ArgumentParser
import DocketCore
import DocketServices
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
        let services: DocketServices
        do { services = try options.services() } catch { throw report(error) }
        let store = services.store
        let clock = try WallClock(zone: timeZone ?? (try? options.workspace())?.config.timeZone ?? WallClock.defaultZone)
        do {
            if let caseID {
                let c = try services.summary(caseID, note: { Reporting.note($0, root: options.hint) })
                if json { print(try c.json()) } else { printDetail(c, clock: clock) }
                return
            }
            let filter = CaseFilter(state: state, workflow: workflow)
            let failed: Bool
            var hidden: [String]?  // the cases folder's dot-names, if the index's catch-up listed it
            if json {
                let list = JSONListWriter()
                failed = try read(services, hidden: &hidden, canFallBack: { !list.started }, { index in
                    try index.forEachSummary(filter) { list.add($0) }
                }, fallback: { summaries in
                    for s in summaries where filter.matches(s) { var j = try s.json(); j.withUTF8 { list.add(UnsafeRawBufferPointer($0)) } }
                })
                list.finish()
            } else {
                var rows: [CaseRow] = []
                failed = try read(services, hidden: &hidden, canFallBack: { true }, { rows = try $0.cases(filter) },
                                  fallback: { rows = $0.filter(filter.matches).map(CaseRow.init) })
                printTable(rows, clock: clock, total: failed ? nil : rows.count)
            }
            for name in store.leftovers(among: hidden) {
                printErr(name.hasPrefix(".purging-")
                    ? "docket: note: cases/\(name) holds a deletion that was interrupted; 'docket retention due' finishes it or says what to do"
                    : "docket: note: cases/\(name) was left by a 'docket new' that was killed; it holds no case and is removed by the next 'docket new'")
            }
            if failed { throw Reporting.exit(.badInput) }
        } catch let e as ExitCode {
            throw e
        } catch {
            throw report(error)
        }
    }

    /// Hands `use` the index, caught up with the journals first; if the index cannot be used
    /// (and `canFallBack`: nothing is printed yet), hands `fallback` every case read from the
    /// journals instead. Returns whether some journal did not verify (each is reported).
    /// Reads the cases from the index, else the journals (`DocketServices.readCases`),
    /// printing what it met on the way; true when a case could not be read.
    func read(_ services: DocketServices, hidden: inout [String]?, canFallBack: () -> Bool, _ use: (any CaseIndex) throws -> Void,
              fallback: ([CaseSummary]) throws -> Void) throws -> Bool {
        let result = try services.readCases(canFallBack: canFallBack, note: { Reporting.note($0, root: options.hint) }, use, fallback: fallback)
        hidden = result.hidden
        return result.failed
    }

    func printTable(_ rows: [CaseRow], clock: WallClock, total: Int?) {
        guard !rows.isEmpty else {
            if state != nil || workflow != nil {
                let what = [state.map { "state '\(TerminalText.escaped($0))'" }, workflow.map { "workflow '\(TerminalText.escaped($0))'" }]
                print("no cases with \(what.compactMap { $0 }.joined(separator: " and "))")
            } else {
                print("no cases yet; open one with: docket new WORKFLOW --case ID\(options.hint)")
            }
            return
        }
        var table = TableBuilder(columns: 7, rows: rows.count + 1)
        for title in ["CASE", "WORKFLOW", "STATE", "STEP", "SUBJECT", "WAITING SINCE", "UPDATED (\(clock.zoneName))"] { table.add(title) }
        table.endRow()
        for r in rows {
            table.add(r.id)
            table.add(r.workflow)
            table.add(r.state)
            table.add(r.step ?? "-")
            table.add(r.subject ?? "-", shortenedTo: 30)
            if let since = r.waitingSince { clock.show(since, into: &table) } else { table.add("-") }
            clock.show(r.updated, into: &table)
            table.endRow()
        }
        let out = StdoutBuffer()
        table.write(to: out)
        var counts: [String: Int] = [:]
        for r in rows { counts[r.state, default: 0] += 1 }
        let parts = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { "\($0.value) \($0.key)" }
        out.write(Array("\n\(counted(rows.count, "case")): \(parts.joined(separator: ", "))\n".utf8))
        out.flush()
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

/// `docket status --json`'s list, written as it is read: `[]`, or each case's pretty JSON
/// indented two more spaces, between `[` and `]`; copied in runs between line breaks.
final class JSONListWriter {
    private let out = StdoutBuffer()
    private var count = 0
    private let open = Array("[\n  ".utf8), next = Array(",\n  ".utf8), indent = Array("  ".utf8)
    /// Whether anything was given yet.
    var started: Bool { count > 0 }

    func add(_ item: UnsafeRawBufferPointer) {
        out.write(count == 0 ? open : next)
        count += 1
        guard let base = item.baseAddress else { return }
        var start = 0
        while start < item.count {
            var end = item.count
            if let nl = memchr(base + start, 0x0A, item.count - start) { end = base.distance(to: UnsafeRawPointer(nl)) + 1 }
            out.write(UnsafeRawBufferPointer(rebasing: item[start..<end]))
            if item[end - 1] == 0x0A { out.write(indent) }
            start = end
        }
    }

    func finish() {
        out.write(Array((count == 0 ? "[]\n" : "\n]\n").utf8))
        out.flush()
    }
}

/// Journal times (UTC, ISO 8601) shown in a time zone, to the minute: `2022-06-27 14:00`.
final class WallClock {
    static let defaultZone = "Asia/Tokyo"
    let zone: TimeZone
    let zoneName: String
    /// The zone's offset by UTC hour (hours since 1970): asking Foundation per row was most of
    /// the time of a 100,000-case table.
    private var offsets: [Int: Int] = [:]

    init(zone name: String) throws {
        guard let zone = TimeZone(identifier: name) else {
            throw ValidationError("unknown time zone '\(TerminalText.escaped(name))'; write a zone name such as Asia/Tokyo or UTC")
        }
        self.zone = zone
        zoneName = name
    }

    /// `show(iso)` as a table cell. The journal's own form (`YYYY-MM-DDTHH:MM[:SS[.fff]][Z]`)
    /// is converted with integer arithmetic and written as bytes (no `String`, no allocation:
    /// a 100,000-row table shows 200,000 times); anything else goes by way of `show`.
    func show(_ iso: String, into table: inout TableBuilder) {
        var handled = false
        TextBytes.with(iso) { b in
            guard let f = JournalTime.fields(b) else { return }
            let t = JournalTime.seconds(f)
            let w = JournalTime.wallTime(t, offset: offset(at: t))
            guard (1000...9999).contains(w.year) else { return }
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16) { out in
                func two(_ n: Int, at i: Int) { out[i] = UInt8(48 + n / 10); out[i + 1] = UInt8(48 + n % 10) }
                two(w.year / 100, at: 0); two(w.year % 100, at: 2); out[4] = 0x2D; two(w.month, at: 5); out[7] = 0x2D; two(w.day, at: 8)
                out[10] = 0x20; two(w.hour, at: 11); out[13] = 0x3A; two(w.minute, at: 14)
                table.add(plain: UnsafeBufferPointer(out))
            }
            handled = true
        }
        if !handled { table.add(show(iso)) }
    }

    /// The zone's offset (seconds) at UTC time `t`, asked of Foundation once per hour of time.
    private func offset(at t: Int) -> Int {
        let hour = JournalTime.floorDivide(t, 3600)
        if hour == lastHour { return lastOffset }
        let offset = offsets[hour] ?? zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(t)))
        offsets[hour] = offset
        lastHour = hour
        lastOffset = offset
        return offset
    }

    private var lastHour = Int.min, lastOffset = 0

    /// `2022-06-27T05:00:00.000Z` → `2022-06-27 14:00` in the zone; other text as it is.
    func show(_ iso: String) -> String {
        guard let f = Self.fields(iso) else { return TerminalText.escaped(iso) }
        var parts = tm()
        parts.tm_year = Int32(f[0] - 1900); parts.tm_mon = Int32(f[1] - 1); parts.tm_mday = Int32(f[2])
        parts.tm_hour = Int32(f[3]); parts.tm_min = Int32(f[4]); parts.tm_sec = Int32(f[5])
        var t = timegm(&parts)
        let hour = JournalTime.floorDivide(Int(t), 3600)
        let offset = offsets[hour] ?? zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(t)))
        offsets[hour] = offset
        t += time_t(offset)
        var local = tm()
        gmtime_r(&t, &local)
        var out: [UInt8] = []
        out.reserveCapacity(16)
        func put(_ n: Int32, digits: Int) {
            guard n >= 0 else { out.append(contentsOf: Array(((digits == 2 ? "0" : "") + "\(n)").utf8)); return }
            var n = n, d: [UInt8] = []
            repeat { d.append(UInt8(48 + n % 10)); n /= 10 } while n > 0
            while d.count < digits { d.append(48) }
            out.append(contentsOf: d.reversed())
        }
        put(local.tm_year + 1900, digits: 1); out.append(0x2D); put(local.tm_mon + 1, digits: 2); out.append(0x2D)
        put(local.tm_mday, digits: 2); out.append(0x20); put(local.tm_hour, digits: 2); out.append(0x3A); put(local.tm_min, digits: 2)
        return String(decoding: out, as: UTF8.self)
    }

    /// Year, month, day, hour, minute, second of `iso` (numbers split by `-T:.Z`, seconds 0 if
    /// absent), or nil with fewer than five numbers or one that is not a number.
    static func fields(_ iso: String) -> [Int]? {
        var f: [Int] = [], n = 0, digits = 0
        f.reserveCapacity(7)
        func end() -> Bool {
            guard digits > 0 else { return true }  // empty parts between separators are skipped
            guard digits <= 18 else { return false }
            f.append(n); n = 0; digits = 0
            return true
        }
        for b in iso.utf8 {
            switch b {
            case 0x30...0x39: n = n * 10 + Int(b - 0x30); digits += 1
            case 0x2D, 0x54, 0x3A, 0x2E, 0x5A: if !end() { return slowFields(iso) }
            default: return slowFields(iso)
            }
        }
        guard end(), f.count >= 5 else { return slowFields(iso) }
        return Array(f.prefix(5)) + [f.count > 5 ? f[5] : 0]
    }

    /// The general case (signs, other characters): as `fields` was first written.
    private static func slowFields(_ iso: String) -> [Int]? {
        let f = iso.split(whereSeparator: { "-T:.Z".contains($0) }).compactMap { Int($0) }
        guard f.count >= 5 else { return nil }
        return Array(f.prefix(5)) + [f.count > 5 ? f[5] : 0]
    }
}
