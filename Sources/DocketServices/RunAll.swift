import DocketCore
import DocketIndex
import Foundation

/// A case another `run --all` worker has claimed (on the PostgreSQL index): skipped here.
public struct ClaimedElsewhere: Error, Sendable {}

extension DocketServices {
    /// Runs every case that can move on, one per core at a time, and reports each in case
    /// order (a case that cannot move on is reported `skipped`, where it stands). With the
    /// PostgreSQL index, workers on several machines share the cases: a case is run only once
    /// claimed there (after the claim, so its state is read after any other worker's run of it
    /// ended), and released when its run ends; one another worker holds fails with
    /// `ClaimedElsewhere`.
    public func runAll() async throws -> [(String, Result<Runner.Report, Error>)] {
        var claims: (any CaseClaims)?
        if case .postgres = indexBackend { claims = try openIndex().claims }
        return await Self.runAll(runner, claims: claims)
    }

    static func runAll(_ runner: Runner, claims: (any CaseClaims)?) async -> [(String, Result<Runner.Report, Error>)] {
        let ids = runner.store.caseIDs()
        let width = max(1, ProcessInfo.processInfo.activeProcessorCount)
        return await withTaskGroup(of: (Int, Result<Runner.Report, Error>).self) { group in
            var results = [(String, Result<Runner.Report, Error>)?](repeating: nil, count: ids.count)
            var next = 0
            func add() {
                let i = next, id = ids[i]
                next += 1
                group.addTask {
                    do {
                        if let claims {
                            guard try claims.claim(id) else { return (i, .failure(ClaimedElsewhere())) }
                        }
                        defer { claims?.release(id) }
                        return (i, .success(try await runner.run(caseID: id, onlyIfItCanMoveOn: true)))
                    } catch {
                        return (i, .failure(error))
                    }
                }
            }
            while next < min(width, ids.count) { add() }
            while let (i, result) = await group.next() {
                results[i] = (ids[i], result)
                if next < ids.count { add() }
            }
            return results.compactMap { $0 }
        }
    }
}
