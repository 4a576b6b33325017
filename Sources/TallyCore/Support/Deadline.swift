import Synchronization

/// Runs `operation` and returns what it returns, unless `deadline` passes first: then the
/// operation's task is cancelled and `UNAVAILABLE` ("`subject` did not answer within N ms.") is
/// thrown at once, without waiting for the operation to notice the cancellation. So a database
/// that hangs (a lost network, a stopped server, a stuck disk) cannot hang the caller.
///
/// The deadline is an I/O timeout, like a connect timeout or SQLite's busy timeout: it is
/// measured on the monotonic clock, not on a store's `TallyClock`, which stamps records and paces
/// background jobs (and which tests move by hand).
public func withDeadline<T: Sendable>(
    _ deadline: Duration, subject: String, _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    let message = "\(subject) did not answer within \(deadline.wholeMilliseconds) ms."
    let race = DeadlineRace<T>()
    let work = Task { race.finish(with: await Result(catching: { try await operation() })) }
    let timer = Task {
        try await ContinuousClock().sleep(for: deadline)
        race.finish(with: .failure(TallyError(.unavailable, message)))
    }
    defer {
        work.cancel()
        timer.cancel()
    }
    return try await withTaskCancellationHandler {
        try await race.result()
    } onCancel: {
        race.finish(with: .failure(CancellationError()))
    }
}

/// The first of the operation and the timer to finish decides; the other is ignored.
private final class DeadlineRace<T: Sendable>: Sendable {
    private enum State {
        case waiting(CheckedContinuation<T, any Error>?)
        case finished(Result<T, any Error>)
    }

    private let state = Mutex<State>(.waiting(nil))

    func finish(with result: Result<T, any Error>) {
        let waiter = state.withLock { state -> CheckedContinuation<T, any Error>? in
            guard case .waiting(let waiter) = state else { return nil }
            state = .finished(result)
            return waiter
        }
        waiter?.resume(with: result)
    }

    func result() async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let finished = state.withLock { state -> Result<T, any Error>? in
                switch state {
                case .waiting:
                    state = .waiting(continuation)
                    return nil
                case .finished(let result):
                    return result
                }
            }
            if let finished { continuation.resume(with: finished) }
        }
    }
}

extension Result where Failure == any Error {
    /// The result of an async throwing body.
    fileprivate init(catching body: () async throws -> Success) async {
        do {
            self = .success(try await body())
        } catch {
            self = .failure(error)
        }
    }
}
