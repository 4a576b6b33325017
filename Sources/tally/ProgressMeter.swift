import Foundation

/// Progress of a long command on stderr, only when stderr is a terminal: what is done, the
/// rate, and (with a known total) the share done and an estimate of the time left, redrawn in
/// place at most twice a second. Nothing is written when stderr is a file or a pipe, so logs
/// and scripts see only the command's own messages.
final class ProgressMeter: @unchecked Sendable {
    // Updated from the one task doing the work; the lock keeps a stray call from another safe.
    private let lock = NSLock()
    private let label: String
    private let unit: String
    private let total: Int64?
    /// What a second count counts (such as "rows"), shown with its own rate; nil for none.
    private let countUnit: String?
    private let started: Date
    private var drawn = Date.distantPast
    private var wroteLine = false
    private let enabled: Bool

    /// A meter for `label`, counting `unit` (such as "bytes" or "records") up to `total`, and
    /// with a `countUnit`, a second count (such as the rows in those bytes) and its rate.
    init(
        _ label: String, unit: String, total: Int64?, countUnit: String? = nil, started: Date = Date(),
        enabled: Bool = isatty(STDERR_FILENO) != 0
    ) {
        self.countUnit = countUnit
        self.started = started
        self.label = label
        self.unit = unit
        self.total = total
        self.enabled = enabled
    }

    /// Redraws the line for `done` units (and `count` of the second count), unless it was drawn
    /// less than half a second ago (the last, with `done` at the total, is always drawn).
    func update(_ done: Int64, count: Int64? = nil) {
        guard enabled else { return }
        lock.withLock {
            let now = Date()
            guard now.timeIntervalSince(drawn) >= 0.5 || done == total else { return }
            drawn = now
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + text(done, count: count, now: now)).utf8))
            wroteLine = true
        }
    }

    /// Ends the line, if one was drawn.
    func finish() {
        guard enabled else { return }
        lock.withLock {
            if wroteLine { FileHandle.standardError.write(Data("\n".utf8)) }
            wroteLine = false
        }
    }

    /// The progress line, such as `import: 1.2 GB of 3.4 GB (35%), 85.1 MB/s, about 26 s left` or
    /// `export: 250,000 of 1,000,000 records (25%), 25,000 records/s, about 30 s left`.
    /// With a second count: `…, 85.1 MB/s, 1,200,000 rows at 81,234 rows/s, about 26 s left`.
    func text(_ done: Int64, count: Int64? = nil, now: Date) -> String {
        let seconds = max(now.timeIntervalSince(started), 0.001)
        let rate = Double(done) / seconds
        let named = unit == "bytes" ? "" : " \(unit)"
        var text = "\(label): \(amount(Double(done)))"
        if let total, total > 0, done <= total {
            text += " of \(amount(Double(total)))\(named) (\(Int(Double(done) * 100 / Double(total)))%)"
        } else {
            text += named
        }
        text += ", \(amount(rate))\(named)/s"
        if let countUnit, let count {
            text +=
                ", \(Self.grouped(Int(count))) \(countUnit) at \(Self.grouped(Int(Double(count) / seconds))) \(countUnit)/s"
        }
        if let total, rate > 0, done < total {
            text += ", about \(Self.duration(Double(total - done) / rate)) left"
        }
        return text
    }

    /// A number of units: bytes in B, KB, MB, GB; anything else as a whole number with its
    /// thousands grouped (`1,234,567`).
    private func amount(_ value: Double) -> String {
        guard unit == "bytes" else { return Self.grouped(Int(value)) }
        let units = ["B", "KB", "MB", "GB", "TB"]
        var value = value
        var index = 0
        while value >= 1000 && index < units.count - 1 {
            value /= 1000
            index += 1
        }
        return index == 0 ? "\(Int(value)) B" : String(format: "%.1f %@", value, units[index])
    }

    /// `1234567` as `1,234,567`.
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = value < 0 ? "-" : ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return out
    }

    static func duration(_ seconds: Double) -> String {
        if seconds < 90 { return "\(Int(seconds.rounded(.up))) s" }
        if seconds < 5400 { return "\(Int((seconds / 60).rounded(.up))) min" }
        return String(format: "%.1f h", seconds / 3600)
    }
}
