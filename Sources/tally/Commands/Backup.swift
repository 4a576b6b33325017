import ArgumentParser
import Dispatch
import Foundation
import Synchronization
import TallyCore
import TallySQLite

/// `tally backup --to FILE`: a verified, standalone copy of a SQLite database, taken while
/// `tally serve` keeps writing to it (`SQLiteBackup` says how). A PostgreSQL database is refused:
/// its own tools do that job.
struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy a live SQLite database to a file, checked, while the server keeps serving.",
        discussion: """
            Copies one consistent snapshot through SQLite's online backup API without stopping the \
            server's writes, into a temporary file beside FILE; checks the copy with PRAGMA \
            integrity_check and tally verify; then fsyncs it and renames it to FILE. A failed or \
            interrupted backup leaves nothing at FILE. The copy is a single file (journal_mode \
            DELETE). Prints what the copy holds as JSON. For PostgreSQL use pg_dump or \
            pg_basebackup (docs/OPERATIONS.md).
            """)
    @OptionGroup var options: DatabaseOptions
    @Option(name: .customLong("to"), help: "The backup file to write.") var target: String
    @Flag(help: "Replace FILE if it exists (by an atomic rename; it is never half written).")
    var force = false

    struct Result: Encodable {
        /// The backup file.
        let path: String
        /// The database copied.
        let database: String
        /// The highest journal sequence number in the copy.
        let journalSeq: Int64
        let entries: Int
        let balances: Int
        let realms: Int
        let members: Int
        let bytes: Int64
        let elapsedSeconds: Double
        /// Always true: a copy that fails a check is not written.
        let verified: Bool
    }

    static let postgresRefusal = """
        tally backup copies SQLite databases only. For PostgreSQL use its own tools: pg_dump (a \
        consistent logical copy of a live database, restored with pg_restore) or pg_basebackup (a \
        physical base backup; with WAL archiving, point-in-time recovery). See "Backup and restore" \
        in docs/OPERATIONS.md.
        """

    func run() async throws {
        try await runReportingErrors {
            guard let source = try options.sqlitePath() else { throw TallyError.validation(Self.postgresRefusal) }
            let backup = SQLiteBackup(source: source, target: target, replacing: force)
            let signals = SignalWatch([SIGINT, SIGTERM]) { _ in backup.cancel() }
            defer { signals.stop() }
            let started = ContinuousClock.now
            let progress = BackupProgress()
            let summary: SQLiteBackup.Summary
            do {
                summary = try backup.run { progress.show($0) }
            } catch is SQLiteBackup.Cancelled {
                let signal = signals.received ?? SIGTERM
                Output.message("tally: backup interrupted; nothing was written to \(backup.targetPath).")
                throw ExitCode(128 + signal)
            }
            let elapsed = ContinuousClock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            Output.json(
                Result(
                    path: summary.path, database: options.displayURL, journalSeq: summary.journalSequence,
                    entries: summary.entries, balances: summary.balances, realms: summary.realms,
                    members: summary.members, bytes: summary.bytes, elapsedSeconds: (seconds * 1_000).rounded() / 1_000,
                    verified: true))
            Output.message(
                "tally: backed up \(summary.entries) journal entries (up to seq \(summary.journalSequence), "
                    + "\(String(format: "%.1f", Double(summary.bytes) / 1_048_576)) MiB) to \(summary.path) in "
                    + "\(String(format: "%.2f", seconds)) s; integrity_check ok, the books balance.")
        }
    }
}

/// Draws a backup's progress on stderr when it is a terminal: one `ProgressMeter` per phase.
private final class BackupProgress: Sendable {
    private struct State {
        var phase = ""
        var meter: ProgressMeter?
    }

    private let state = Mutex(State())

    func show(_ progress: SQLiteBackup.Progress) {
        let (label, unit, done, total): (String, String, Int, Int)
        switch progress {
        case .copying(let bytes, let of): (label, unit, done, total) = ("copying", "bytes", bytes, of)
        case .verifying(let entries, let of):
            (label, unit, done, total) = ("verifying the copy", "entries", entries, of)
        case .checkingIntegrity: (label, unit, done, total) = ("checking the copy's integrity", "checks", 0, 1)
        }
        let meter = state.withLock { state in
            if state.phase != label {
                state.meter?.finish()
                state.phase = label
                state.meter = ProgressMeter(label, unit: unit, total: Int64(total))
            }
            return state.meter
        }
        meter?.update(Int64(done))
        if done >= total { meter?.finish() }
    }
}

/// Handles the given signals with `action` (instead of ending the process) until `stop()`.
/// Unchecked: the sources are set once, and a dispatch source may be used from any thread.
private final class SignalWatch: @unchecked Sendable {
    private let signals: [Int32]
    private let sources: [any DispatchSourceSignal]
    private let last = Mutex<Int32?>(nil)

    init(_ signals: [Int32], action: @escaping @Sendable (Int32) -> Void) {
        let queue = DispatchQueue(label: "tally.signals")
        self.signals = signals
        self.sources = signals.map { number in
            signal(number, SIG_IGN)
            return DispatchSource.makeSignalSource(signal: number, queue: queue)
        }
        for (number, source) in zip(signals, sources) {
            source.setEventHandler { [weak self] in
                self?.last.withLock { $0 = number }
                action(number)
            }
            source.resume()
        }
    }

    /// The last signal received, if any.
    var received: Int32? { last.withLock { $0 } }

    /// Stops handling the signals: they end the process again.
    func stop() {
        for source in sources { source.cancel() }
        for number in signals { signal(number, SIG_DFL) }
    }
}
