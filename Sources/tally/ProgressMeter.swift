import Foundation

/// A progress line for a long command, redrawn in place on stderr: how many items are done, the
/// rate so far and, given an estimated total, about how long is left. Only for a terminal: a
/// log or a pipe gets no progress lines at all (`onTerminal` is nil there).
final class ProgressMeter: @unchecked Sendable {
    // Advanced from one task at a time; the lock keeps that true if it is not.
    private let lock = NSLock()
    private let label: String
    private let total: Int?
    private let started: ContinuousClock.Instant
    private var drawnAt: ContinuousClock.Instant
    private var done = 0
    private var drawn = false

    /// How often the line is redrawn at most.
    static let interval = Duration.milliseconds(250)

    /// A meter of `label` (a plural noun, such as "records") when stderr is a terminal, else nil;
    /// `total` is an estimate of how many there will be (nil when unknown).
    static func onTerminal(_ label: String, total: Int?) -> ProgressMeter? {
        isatty(STDERR_FILENO) != 0 ? ProgressMeter(label, total: total) : nil
    }

    /// A meter started at `started`.
    init(_ label: String, total: Int?, started: ContinuousClock.Instant = .now) {
        self.label = label
        self.total = total
        self.started = started
        drawnAt = started
    }

    /// Counts `count` more done, redrawing the line when `interval` has passed since it last was.
    func advance(by count: Int = 1) {
        lock.withLock {
            done += count
            // Reading the clock costs little, but not nothing: look at it every 256 items.
            guard done & 0xFF == 0 || count > 1 else { return }
            let now = ContinuousClock.now
            guard now - drawnAt >= Self.interval else { return }
            drawnAt = now
            drawn = true
            FileHandle.standardError.write(Data(("\r\u{1B}[2K" + line(at: now)).utf8))
        }
    }

    /// Erases the line, so that what follows starts on a clean one.
    func finish() {
        lock.withLock {
            if drawn { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
            drawn = false
        }
    }

    /// The line as of `now`: `12,345 of about 100,000 records, 4,321 records/s, about 20 s left`.
    func line(at now: ContinuousClock.Instant) -> String {
        let seconds = Self.seconds(now - started)
        let rate = seconds > 0 ? Double(done) / seconds : 0
        var text = "\(Self.grouped(done))"
        if let total, total >= done {
            text += " of about \(Self.grouped(total)) \(label), \(Self.grouped(Int(rate))) \(label)/s"
            if rate > 0 { text += ", about \(Self.duration(Double(total - done) / rate)) left" }
        } else {
            text += " \(label), \(Self.grouped(Int(rate))) \(label)/s"
        }
        return text
    }

    /// A duration in seconds as a Double.
    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// `1234567` as `1,234,567`.
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return value < 0 ? "-" + out : out
    }

    /// A rough length of time: `42 s`, `3 min 5 s`, `2 h 10 min`.
    static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded(.up))
        switch whole {
        case ..<60: return "\(whole) s"
        case ..<3_600: return "\(whole / 60) min \(whole % 60) s"
        default: return "\(whole / 3_600) h \(whole % 3_600 / 60) min"
        }
    }
}
