import DocketCore
import Foundation

/// The runs the board started that are still going: a run that takes longer than the board
/// waits for (the OCR of a 50-page scan) goes on in the background while the person goes back to
/// the case page, which says what runs and since when. The runner's journal and lock are the
/// record; this only remembers, for this board process, which cases it is running now.
actor BackgroundRuns {
    struct Running: Sendable {
        var since: Date
        var by: String
    }

    private var running: [String: Running] = [:]

    /// How long a request waits for its run before leaving it to the background.
    static let window: Duration = .seconds(8)

    func running(_ id: String) -> Running? { running[id] }

    /// Starts `work` for case `id` and waits up to `window` for it. Returns its report (or throws
    /// its error) when it finished in time; nil when it goes on in the background.
    func run(_ id: String, by user: String, window: Duration = BackgroundRuns.window,
             _ work: @escaping @Sendable () async throws -> Runner.Report) async throws -> Runner.Report? {
        if let already = running[id] {
            throw CaseError.busy(id, holder: "the board, started by \(already.by)")
        }
        running[id] = Running(since: Date(), by: user)
        let task = Task {
            // Forgotten before the task ends, so a page shown after it never says it runs.
            let result = await Result(catching: { try await work() })
            await self.finished(id)
            return try result.get()
        }
        let finishedInTime = await withTaskGroup(of: Bool.self) { group in
            group.addTask { _ = try? await task.value; return true }
            group.addTask { try? await Task.sleep(for: window); return false }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        guard finishedInTime else { return nil }
        return try await task.value
    }

    private func finished(_ id: String) { running[id] = nil }
}

extension Result where Failure == Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
