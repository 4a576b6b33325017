import Dispatch
import Foundation
import Logging

/// Ends the process when a graceful shutdown takes longer than `after`: once SIGTERM or SIGINT
/// arrives, a thread of its own waits that long, then logs a critical line and exits with
/// status 1 (`_exit`, so that nothing that may itself hang runs on the way out). The service
/// group's own bounds cannot stop a task that never returns; this can.
final class ShutdownWatchdog: @unchecked Sendable {
    private let sources: [any DispatchSourceSignal]
    private let lock = NSLock()
    private var armed = true
    private var started = false

    init(after limit: Duration, logger: Logger) {
        let queue = DispatchQueue(label: "tally.shutdown-watchdog")
        var sources = [any DispatchSourceSignal]()
        // The signals' disposition is the service group's (it ignores them and listens through
        // dispatch sources of its own); a second source only listens too.
        for signal in [SIGTERM, SIGINT] {
            sources.append(DispatchSource.makeSignalSource(signal: signal, queue: queue))
        }
        self.sources = sources
        for source in sources {
            source.setEventHandler { [weak self] in self?.start(limit, logger: logger) }
            source.resume()
        }
    }

    private func start(_ limit: Duration, logger: Logger) {
        let begin = lock.withLock { () -> Bool in
            guard armed, !started else { return false }
            started = true
            return true
        }
        guard begin else { return }
        let thread = Thread { [weak self] in
            let (seconds, attoseconds) = limit.components
            Thread.sleep(forTimeInterval: Double(seconds) + Double(attoseconds) / 1e18)
            guard self?.lock.withLock({ self?.armed ?? false }) ?? true else { return }
            logger.critical(
                "the server did not stop within \(seconds) s of the signal; exiting",
                metadata: ["seconds": "\(seconds)"])
            _exit(1)
        }
        thread.name = "tally.shutdown-watchdog"
        thread.start()
    }

    /// The shutdown finished: the watchdog does nothing more.
    func disarm() {
        lock.withLock { armed = false }
        for source in sources { source.cancel() }
    }
}
