import ArgumentParser
import DocketCore
import DocketServices
import DocketIndex
import DocketYAML
import Foundation

extension RootOptions {
    /// The index docket.yaml names (`index:`), else the SQLite file.
    var indexBackend: IndexBackend {
        (try? services())?.indexBackend ?? IndexBackend(config: nil, environment: Self.environment)
    }
}

struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Checks or rebuilds the case index (index.sqlite, or docket.yaml's index: server), a cache of the journals.",
        discussion: """
            The index answers 'docket status' and 'docket search' quickly. Every journal append \
            updates it; the journals stay the record, so the index can always be made again from \
            them: nothing is lost by rebuilding it.
            """,
        subcommands: [Check.self, Rebuild.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verifies the index and brings it in step with every journal (repairs what lags).")

        @OptionGroup var options: RootOptions

        func run() throws {
            let store = options.store
            do {
                let index = try options.services().openIndex()
                var report = try index.check()
                if let made = index.openReport {
                    report.problems = made.problems + report.problems
                    print("the index was made from the journals (\(index.rebuiltBecause ?? "")): \(counted(made.cases, "case"))")
                }
                for p in report.problems { _ = Reporting.report(p.error) }
                if report.refreshed.isEmpty && report.removed.isEmpty {
                    print("the index agrees with the journals of \(counted(report.cases, "case"))")
                } else {
                    if !report.refreshed.isEmpty {
                        print("repaired: \(counted(report.refreshed.count, "case")) read again from the journal (\(Self.list(report.refreshed)))")
                    }
                    if !report.removed.isEmpty {
                        print("repaired: \(counted(report.removed.count, "case")) no longer in cases/ taken out (\(Self.list(report.removed)))")
                    }
                }
                if !report.problems.isEmpty { throw Reporting.exit(.badInput) }
            } catch let e as ExitCode {
                throw e
            } catch {
                throw Reporting.report(error, root: options.hint)
            }
        }

        static func list(_ ids: [String]) -> String {
            ids.count <= 5 ? ids.joined(separator: ", ") : ids.prefix(5).joined(separator: ", ") + " and \(ids.count - 5) more"
        }
    }

    struct Rebuild: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Makes the index anew from the journals (whatever state the old one is in).")

        @OptionGroup var options: RootOptions

        func run() throws {
            do {
                let report = try CaseIndexes.rebuildFromNothing(store: options.store, backend: options.indexBackend)
                for p in report.problems { _ = Reporting.report(p.error) }
                print("the index was made anew from the journals: \(counted(report.cases, "case"))")
                if !report.problems.isEmpty { throw Reporting.exit(.badInput) }
            } catch let e as ExitCode {
                throw e
            } catch {
                throw Reporting.report(error, root: options.hint)
            }
        }
    }
}
