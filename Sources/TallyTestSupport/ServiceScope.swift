import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// Runs services (stores, mostly) for a test: each one `start`ed runs at once, in a service group
/// of its own, until the scope ends; then every one gets a graceful shutdown, the last started
/// first, and the scope waits until each has returned. So a store a test opens commits what is
/// queued and closes its connections before the test ends, pass or fail.
///
/// A suite with the `.serviceScope` trait gives each of its tests a scope of its own, which
/// `ServiceScope.startForTest(_:)` uses; `ServiceScope.with(_:)` makes one explicitly, for a
/// test that must act after its stores have stopped.
public final class ServiceScope: Sendable {
    private struct Running: Sendable {
        let group: ServiceGroup
        let task: Task<Void, any Error>
    }

    private let running = Mutex<[Running]>([])
    private let logger: Logger

    private init(logger: Logger) { self.logger = logger }

    /// The scope of the test being run, set by the `.serviceScope` trait.
    @TaskLocal public static var current: ServiceScope?

    /// Runs `body` with a fresh scope and ends the scope when `body` returns or throws.
    @discardableResult
    public static func with<T>(
        logger: Logger = ServiceScope.quietLogger, _ body: (ServiceScope) async throws -> T
    ) async throws -> T {
        let scope = ServiceScope(logger: logger)
        let result: Result<T, any Error>
        do {
            result = .success(try await body(scope))
        } catch {
            result = .failure(error)
        }
        await scope.stop()
        return try result.get()
    }

    /// Starts `service` in the current test's scope and returns it.
    @discardableResult
    public static func startForTest<S: Service>(_ service: S) -> S {
        guard let current else {
            preconditionFailure("starting a service outside a scope: give the suite the .serviceScope trait")
        }
        return current.start(service)
    }

    /// Starts `service` now; it runs until this scope ends.
    @discardableResult
    public func start<S: Service>(_ service: S) -> S {
        let group = ServiceGroup(services: [service], logger: logger)
        running.withLock { $0.append(Running(group: group, task: Task { try await group.run() })) }
        return service
    }

    /// Shuts down every service started so far, the last first, and waits for each.
    private func stop() async {
        let all = running.withLock { running in
            defer { running = [] }
            return running
        }
        for service in all.reversed() {
            await service.group.triggerGracefulShutdown()
            _ = await service.task.result
        }
    }

    /// Warnings and worse only.
    public static var quietLogger: Logger {
        var logger = Logger(label: "tally.tests.services")
        logger.logLevel = .warning
        return logger
    }
}

/// Gives each test of a suite (or one test) a `ServiceScope` of its own.
public struct ServiceScopeTrait: SuiteTrait, TestTrait, TestScoping {
    /// Every test of the suite, and of the suites inside it, gets a scope.
    public var isRecursive: Bool { true }

    /// Runs the test case inside a fresh scope.
    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        try await ServiceScope.with { scope in
            try await ServiceScope.$current.withValue(scope) { try await function() }
        }
    }
}

extension Trait where Self == ServiceScopeTrait {
    /// Each test gets a `ServiceScope`: the stores it starts stop, gracefully, when it ends.
    public static var serviceScope: Self { ServiceScopeTrait() }
}
