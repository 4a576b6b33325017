import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// A webhook receiver on loopback for tests: it records every delivery (headers and exact body
/// bytes) and answers as told (2xx, or a failing status), and it can be stopped and started
/// again on the same port (a receiver that goes down and comes back). It closes each connection
/// after its answer, so a stopped receiver refuses every delivery.
public final class WebhookReceiver: Sendable {
    /// One request as it arrived.
    public struct Delivery: Sendable {
        /// Header values by lowercased name.
        public let headers: [String: String]
        /// The exact body.
        public let body: [UInt8]
        /// The status answered.
        public let status: Int
    }

    private struct State {
        var deliveries: [Delivery] = []
        var status = 200
        var group: ServiceGroup?
        var task: Task<Void, any Error>?
        var port = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Every request so far, in arrival order.
    public var deliveries: [Delivery] { state.withLock { $0.deliveries } }

    /// The deliveries answered 2xx, in arrival order.
    public var accepted: [Delivery] { deliveries.filter { (200...299).contains($0.status) } }

    /// What the receiver answers from now on.
    public func answer(_ status: Int) { state.withLock { $0.status = status } }

    /// The receiver's URL (its port once started).
    public var url: String { "http://127.0.0.1:\(state.withLock { $0.port })/hook" }

    /// Starts listening on 127.0.0.1, on `port` (0 picks one, or the port of an earlier start).
    public func start(port: Int? = nil) async throws {
        let router = Router()
        router.post("/hook") { [self] request, context -> Response in
            let buffer = try await request.body.collect(upTo: 1 << 20)
            var headers = [String: String]()
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let status = self.state.withLock { current in
                current.deliveries.append(
                    Delivery(headers: headers, body: Array(buffer.readableBytesView), status: current.status))
                return current.status
            }
            // No connection outlives its request, so that a stopped receiver is really down.
            return Response(status: .init(code: status), headers: [.connection: "close"])
        }
        let ready = AsyncStream<Int>.makeStream()
        let chosen = port ?? state.withLock { $0.port }
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: chosen)),
            onServerRunning: { channel in ready.continuation.yield(channel.localAddress?.port ?? 0) },
            logger: Logger(label: "webhook-receiver", factory: { _ in SwiftLogNoOpLogHandler() }))
        let group = ServiceGroup(
            configuration: .init(
                services: [app], gracefulShutdownSignals: [],
                logger: Logger(label: "webhook-receiver", factory: { _ in SwiftLogNoOpLogHandler() })))
        let task = Task { try await group.run() }
        var bound = 0
        for await value in ready.stream {
            bound = value
            break
        }
        state.withLock {
            $0.group = group
            $0.task = task
            $0.port = bound
        }
    }

    /// Stops listening (connections refused until started again).
    public func stop() async {
        let (group, task) = state.withLock { current in
            defer {
                current.group = nil
                current.task = nil
            }
            return (current.group, current.task)
        }
        await group?.triggerGracefulShutdown()
        _ = try? await task?.value
    }

    /// Waits until `condition` holds of the deliveries, checking every 50 ms, at most `timeout`.
    /// Returns whether it held.
    @discardableResult
    public func wait(timeout: Duration, until condition: ([Delivery]) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition(deliveries) { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return condition(deliveries)
    }
}
