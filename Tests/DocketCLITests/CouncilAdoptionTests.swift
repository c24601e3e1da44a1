import Foundation
import XCTest

/// Another city's council adopts Docket from `docket init` alone: no file copied from the
/// clone, every command run from the folder above with a relative `--root`, a whole cycle
/// (open, draft, review with a send-back, meeting with attendance, vote, answer, minutes,
/// archive), then every file written searched for the bundled example's names.
final class CouncilAdoptionTests: XCTestCase {
    /// The parent folder commands run in; the workspace is `midori/` below it.
    var parent: URL!

    override func setUpWithError() throws {
        parent = FileManager.default.temporaryDirectory.appendingPathComponent("docket-adopt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: parent)
    }

    var cli: CLI { CLI(root: parent, env: ["DOCKET_PLUGIN_ISOLATION": "process"]) }

    /// `docket --root midori ARGS`, which must succeed.
    @discardableResult
    func ok(_ args: String..., file: StaticString = #filePath, line: UInt = #line) throws -> CLI.Result {
        let r = try cli.run(["--root", "midori"] + args)
        XCTAssertEqual(r.status, 0, "docket \(args.joined(separator: " ")): \(r.err)\(r.out)", file: file, line: line)
        return r
    }

    func write(_ name: String, _ text: String) throws {
        let url = parent.appendingPathComponent("midori").appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    func read(_ name: String) throws -> String {
        try String(contentsOf: parent.appendingPathComponent("midori").appendingPathComponent(name), encoding: .utf8)
    }

    static let others = ["上田 三郎", "江口 四郎", "大野 五月", "加藤 六助", "木村 七海", "工藤 八重", "小林 九平",
                         "佐々木 十和", "清水 一葉", "鈴木 二葉", "高橋 三葉", "田中 四葉", "中村 五葉"]

    /// The profile filled in as a secretariat would: the skeleton's members replaced by 15 in
    /// office (会長 and 副会長 by name) and one whose term ended, quorum 8, the council's own numbers.
    func fillInProfile() throws {
        var text = try read("council.yaml")
        let members = """
            seats: 15
            members:
              - {name: 青木 一郎, role: 会長, appointed: 2025-04-01, term-ends: 2027-03-31}
              - {name: 石井 花子, role: 副会長, appointed: 2025-04-01, term-ends: 2027-03-31}

            """ + Self.others.map { "  - {name: \($0), appointed: 2025-04-01, term-ends: 2027-03-31}\n" }.joined()
            + "  - {name: 野口 元子, appointed: 2023-04-01, term-ends: 2025-03-31}\n"
        XCTAssertTrue(text.contains("members: []\n"), "the skeleton leaves the members to fill in: \(text)")
        text = text.replacingOccurrences(of: "members: []\n", with: members)
        text = text.replacingOccurrences(of: "# answer-number: \"{年度}第{番号}号\"", with: "answer-number: \"み個審答第{番号}号\"   #")
        text = text.replacingOccurrences(of: "quorum: more-than-half ", with: "quorum: {at-least: 8} ")
        try write("council.yaml", text)
    }

    func testAnotherCouncilRunsAWholeCycleWithNothingOfTheExample() throws {
        // Without a terminal, a missing name is not guessed.
        let missing = try cli("init", "midori", "--council", "みどり市個人情報保護審議会")
        XCTAssertEqual(missing.status, 64, missing.err)
        XCTAssertTrue(missing.err.contains("give --organization"), missing.err)

        let made = try cli("init", "midori", "--council", "みどり市個人情報保護審議会", "--organization", "みどり市", "--head", "市長")
        XCTAssertEqual(made.status, 0, made.err)
        XCTAssertTrue(made.out.contains("council.yaml"), made.out)
        XCTAssertTrue(made.out.contains("docket users add NAME --role secretariat --root midori"), made.out)
        XCTAssertFalse(FileManager.default.fileExists(atPath: parent.appendingPathComponent("midori/workflows").path),
                       "nothing is copied: the standard workflows ship with Docket")
        let docketYAML = try read("docket.yaml")
        XCTAssertFalse(docketYAML.contains("みどり"), "the council's names have one source, the profile: \(docketYAML)")

        // The standard workflows are there at once.
        let workflows = try ok("workflows")
        for name in ["consultation", "retroactive-approval", "report", "incident-report"] {
            XCTAssertTrue(workflows.out.contains("\n\(name) "), "\(name) is offered: \(workflows.out)")
        }
        XCTAssertTrue(workflows.out.contains("standard"), workflows.out)

        try fillInProfile()
        let show = try ok("council", "show", "--on", "2026-12-04")
        XCTAssertTrue(show.out.contains("addressee:     みどり市長"), show.out)
        XCTAssertTrue(show.out.contains("executive:     市側"), show.out)
        XCTAssertTrue(show.out.contains("seats:         15; 15 in office on 2026-12-04; chair that day: 青木 一郎"), show.out)
        XCTAssertTrue(show.out.contains("定足数 8名以上"), show.out)
        XCTAssertTrue(show.err.contains("the council profile changed; recorded"), "the edit is recorded at the next command: \(show.err)")
        let history = try ok("council", "history")
        XCTAssertTrue(history.out.contains("初版"), history.out)
        XCTAssertTrue(history.out.contains("委員追加（16名）"), history.out)
        XCTAssertTrue(history.out.contains("clerk"), "who ran the command that saw the change: \(history.out)")

        // A profile that does not read stops every command, at its line and column.
        let good = try read("council.yaml")
        try write("council.yaml", good.replacingOccurrences(of: "role: 副会長", with: "role: 副会頭"))
        let broken = try cli.run(["--root", "midori", "status"])
        XCTAssertEqual(broken.status, 65)
        XCTAssertTrue(broken.err.contains("council.yaml:"), broken.err)
        XCTAssertTrue(broken.err.contains("did you mean '副会長'"), broken.err)
        try write("council.yaml", good)

        // The council's seal, named from the profile: the answers and minutes are sealed with it.
        let sealed = try ok("seal", "init")
        XCTAssertTrue(sealed.out.contains("CN=みどり市個人情報保護審議会"), sealed.out)
        let sealFolder = parent.appendingPathComponent("midori/seal")
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: sealFolder.appendingPathComponent("key.pem").path)[.posixPermissions] as? Int, 0o600)
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: sealFolder.path)[.posixPermissions] as? Int, 0o700)
        let again = try cli.run(["--root", "midori", "seal", "init"])
        XCTAssertNotEqual(again.status, 0, "a seal is never replaced silently")
        XCTAssertTrue(again.err.contains("--replace"), again.err)

        // Every other kind of case opens at once too.
        for name in ["retroactive-approval", "report", "incident-report"] {
            let skeleton = try ok("new", name, "--template")
            XCTAssertTrue(skeleton.out.contains("docket new \(name)"), skeleton.out)
        }

        // The department's consultation, its material, a send-back, the corrected material.
        try write("c1/資料1 委託の概要.txt", "委託の概要\n")
        try write("c1/inputs.yaml", """
            department: 情報政策課
            subject: 住民窓口予約システムの外部委託に伴う個人情報の取扱いについて
            kind: outsourcing
            contractor: 株式会社サンプル
            items: [氏名, 電話番号]
            purpose: 窓口予約の受付
            materials: ["資料1 委託の概要"]
            materials_folder: .
            consulted_on: 2026-11-20
            consultation_number: み情第45号

            """)
        try ok("new", "consultation", "--case", "c1", "--inputs", "midori/c1/inputs.yaml")
        try ok("run", "c1")
        let consultation = try read("cases/c1/documents/draft/諮問文.md")
        XCTAssertTrue(consultation.contains("みどり市個人情報保護審議会 会長 様"), consultation)
        try write("review-1.yaml", "corrections:\n  - {material: 資料1, change: 委託先の安全管理措置を追記すること}\nsend_back: true\n")
        try ok("record", "c1", "review", "--file", "midori/review-1.yaml")
        try ok("run", "c1")
        try write("c1/資料1 委託の概要.txt", "委託の概要\n安全管理措置: 定期的な監査\n")
        try write("corrected.yaml", "materials: midori/c1\n")  // from the current folder
        try ok("record", "c1", "draft", "--file", "midori/corrected.yaml")
        try ok("run", "c1")
        try write("review-2.yaml", "questions:\n  - {question: 委託先の監督方法は, answer: 定期報告を求める, by: 上田 三郎}\nconditions: [委託先に対し定期的に報告を求めること]\n")
        try ok("record", "c1", "review", "--file", "midori/review-2.yaml")
        try ok("run", "c1")

        // The meeting: a member whose term has ended cannot be marked present.
        let opened = try ok("meeting", "new", "m1", "--date", "2026-12-04", "--time", "14:00-16:00", "--place", "第1会議室")
        XCTAssertTrue(opened.out.contains("令和8年度第1回 みどり市個人情報保護審議会"), opened.out)
        try ok("meeting", "agenda", "m1", "add", "c1")
        let present = ["青木 一郎", "石井 花子"] + Self.others.prefix(7)
        try write("attendance.yaml", "members: [\(present.joined(separator: ", ")), 野口 元子]\nstaff: [情報政策課長, 事務局]\n")
        let outOfTerm = try cli.run(["--root", "midori", "meeting", "attend", "m1", "--file", "midori/attendance.yaml"])
        XCTAssertEqual(outOfTerm.status, 65, outOfTerm.err)
        XCTAssertTrue(outOfTerm.err.contains("'野口 元子' is no longer in office on 2026-12-04（令和8年12月4日）: their term ran 2023-04-01（令和5年4月1日）から2025-03-31（令和7年3月31日）まで"), outOfTerm.err)
        try write("attendance.yaml", "members: [\(present.joined(separator: ", "))]\nstaff: [情報政策課長, 事務局]\n")
        let attended = try ok("meeting", "attend", "m1", "--file", "midori/attendance.yaml")
        XCTAssertTrue(attended.out.contains("9 of 15 members present at the opening; quorum 8: met"), attended.out)
        try write("tally.yaml", "for: 7\nagainst: 1\n")
        try ok("meeting", "vote", "m1", "c1", "--file", "midori/tally.yaml", "--run")
        try ok("meeting", "close", "m1")
        try ok("minutes", "m1")
        try ok("archive", "c1")

        // The answer: numbered in the council's format, addressed to its head, signed by its chair.
        let answer = try read("cases/c1/documents/answer/答申.md")
        XCTAssertTrue(answer.hasPrefix("み個審答第1号\n令和8年12月4日\n\nみどり市長 様\n\nみどり市個人情報保護審議会\n会長 青木 一郎\n"), answer)
        XCTAssertTrue(answer.contains("令和8年11月20日付けみ情第45号で諮問のあった"), answer)
        let answers = try ok("answers", "--csv")
        XCTAssertTrue(answers.out.contains("み個審答第1号,2026-12-04,c1,"), answers.out)
        let minutes = try read("meetings/m1/documents/minutes/会議録.md")
        XCTAssertTrue(minutes.contains("（市側）情報政策課長、事務局"), minutes)
        XCTAssertFalse(minutes.contains("野口 元子"), "a member out of office is neither present nor absent: \(minutes)")

        // Every file written, archives unzipped, names nothing of the bundled example.
        let unzipped = parent.appendingPathComponent("unzipped")
        for zip in try findFiles(in: parent.appendingPathComponent("midori/archives")) where zip.pathExtension == "zip" {
            let into = unzipped.appendingPathComponent(zip.deletingPathExtension().lastPathComponent)
            try FileManager.default.createDirectory(at: into, withIntermediateDirectories: true)
            let unzip = Process()
            unzip.executableURL = URL(fileURLWithPath: "/usr/bin/unzip")
            unzip.arguments = ["-q", zip.path, "-d", into.path]
            try unzip.run()
            unzip.waitUntilExit()
            XCTAssertEqual(unzip.terminationStatus, 0, zip.path)
        }
        let bags = try findFiles(in: unzipped)
        XCTAssertTrue(bags.contains { $0.lastPathComponent == "bag-info.txt" }, "the archives were unzipped")
        for bagInfo in bags where bagInfo.lastPathComponent == "bag-info.txt" {
            let text = try String(contentsOf: bagInfo, encoding: .utf8)
            XCTAssertTrue(text.contains("Source-Organization: みどり市個人情報保護審議会 事務局"), text)
        }
        let example = try String(contentsOf: CLI.packageRoot.appendingPathComponent("workflows/examples/meeting-2022-06-27/council.yaml"), encoding: .utf8)
        var forbidden = ["目黒", "区長", "区側", "委員01"]
        for line in example.split(separator: "\n") where line.hasPrefix("name:") || line.hasPrefix("organization:") {
            forbidden.append(line.split(separator: ":", maxSplits: 1)[1].trimmingCharacters(in: .whitespaces))
        }
        let files = try findFiles(in: parent.appendingPathComponent("midori")) + bags
        XCTAssertGreaterThan(files.count, 40, "documents, journals, registers, minutes and archives were searched")
        // Searched as bytes, so the index (SQLite) and the logs count as much as the documents.
        for file in files where file.pathExtension != "zip" {
            let bytes = try Data(contentsOf: file)
            for word in forbidden {
                XCTAssertNil(bytes.range(of: Data(word.utf8)), "\(file.path) names '\(word)' of the bundled example")
            }
        }
    }

    func findFiles(in folder: URL) throws -> [URL] {
        guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
        return walker.compactMap { $0 as? URL }.filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true }
    }
}
