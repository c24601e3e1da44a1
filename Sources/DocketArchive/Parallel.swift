import Foundation

/// Blocking work spread over threads (hashing, deflating, reading zips: CPU and file work that
/// would hold the cooperative pool). Each worker takes the next item when it is done, so large
/// items given first leave no core idle at the end.
enum Parallel {
    /// One worker a core.
    static var width: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// Runs `width` workers (fewer if there are fewer items); each calls `next()` for the next
    /// item of `order` until it returns nil. Returns when every worker has.
    static func workers(_ width: Int, over order: [Int], _ body: @Sendable (_ next: () -> Int?) -> Void) {
        let queue = WorkQueue(order)
        DispatchQueue.concurrentPerform(iterations: max(1, min(width, order.count))) { _ in
            body { queue.next() }
        }
    }
}

/// The items still to take, shared by the workers.
private final class WorkQueue: @unchecked Sendable {
    private let lock = NSLock()
    private let order: [Int]
    private var position = 0

    init(_ order: [Int]) { self.order = order }

    func next() -> Int? {
        lock.withLock {
            guard position < order.count else { return nil }
            defer { position += 1 }
            return order[position]
        }
    }
}

/// The first error any worker met; the others stop at their next item.
final class FirstError: @unchecked Sendable {
    private let lock = NSLock()
    private var error: Error?

    var isSet: Bool { lock.withLock { error != nil } }

    func set(_ e: Error) {
        lock.withLock { if error == nil { error = e } }
    }

    func check() throws {
        if let e = lock.withLock({ error }) { throw e }
    }
}
