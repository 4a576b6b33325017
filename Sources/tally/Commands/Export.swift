import ArgumentParser
import Foundation
import Logging
import TallyCore
import TallyPortability

/// `tally export`: writes a realm, or every realm, in the export format (`ExportFormat`) to
/// stdout or to a file, from one consistent snapshot while the server goes on.
struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write realms, their members, credentials, balances and optionally journal and keys as JSON lines.",
        discussion: """
            One JSON object per line: a header, the records (realms, currencies, members, ghost credentials, \
            journal entries, balances, keys), and a trailer that counts them. Read from one consistent snapshot \
            while the server goes on. Only the export goes to stdout; progress (on a terminal) and a summary go to \
            stderr. With --to, the file appears only once complete.
            """)
    @OptionGroup var options: DatabaseOptions
    @Option(help: "Only this realm (default: every realm, and with --keys the admin keys).") var realm: String?
    @Flag(help: "Include every journal entry, in commit order.") var journal = false
    @Flag(help: "Include API keys (the SHA-256 of their secrets; secrets are never stored).") var keys = false
    @Option(help: "Write to FILE instead of stdout; it appears only once the export is complete.") var to: String?
    @Flag(help: "With --to, replace FILE if it exists.") var force = false

    func validate() throws {
        if force && to == nil { throw ValidationError("--force needs --to FILE.") }
        if let to, to.isEmpty { throw ValidationError("--to needs a file name.") }
    }

    func run() async throws {
        try await runReportingErrors {
            let selection = ExportSelection(realm: try realm.map(parseRealm), journal: journal, keys: keys)
            let started = ContinuousClock.now
            let destination = try to.map { try ExportFile(path: $0, replacing: force) }
            let guardian = destination.map(ExportFile.Guardian.init)
            let written: (records: Int, bytes: Int)
            do {
                written = try await write(selection, to: destination?.handle ?? FileHandle.standardOutput)
                try destination?.commit()
            } catch {
                destination?.discard()
                guardian?.stop()
                throw Self.failure(error, writing: to)
            }
            guardian?.stop()
            let elapsed = (ContinuousClock.now - started).components
            let seconds = max(Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18, 0.001)
            Output.message(
                "tally: exported \(written.records) records (\(written.bytes) bytes) in \(String(format: "%.2f", seconds)) s "
                    + "(\(Int(Double(written.records) / seconds)) records/s) to \(to ?? "standard output").")
        }
    }

    /// Exports `selection` through an `ExportWriter` on `output`: header, records, trailer.
    private func write(_ selection: ExportSelection, to output: FileHandle) async throws -> (records: Int, bytes: Int) {
        // Logs go to stderr: stdout carries the export and nothing else.
        let logger = Logger(label: "tally") { StreamLogHandler.standardError(label: $0) }
        return try await options.withStore(logger: logger) { store in
            let meter =
                isatty(STDERR_FILENO) != 0
                ? ProgressMeter(
                    "export", unit: "records", total: (try? await store.exportRecordCount(selection)).map(Int64.init))
                : nil
            defer { meter?.finish() }
            let writer = try ExportWriter(
                to: output,
                header: ExportHeader(selection: selection, exportedAt: TallyClock.system.now.millisecondsSince1970))
            try await store.export(selection) { record in
                try writer.write(record)
                if writer.records % 1_000 == 0 { meter?.update(Int64(writer.records)) }
            }
            try writer.finish()
            return (writer.records, writer.bytes)
        }
    }

    /// A Tally error as it is; a failure to write, as a Tally error that names where.
    private static func failure(_ error: any Error, writing path: String?) -> any Error {
        if error is TallyError || error is ExitCode { return error }
        let reason = (error as? CocoaError)?.underlying.map { "\($0.localizedDescription)" } ?? "\(error)"
        return TallyError(.unavailable, "Cannot write the export to \(path ?? "standard output"): \(reason)")
    }
}

extension CocoaError {
    /// The error beneath, such as the POSIX error of a failed write.
    fileprivate var underlying: (any Error)? { userInfo[NSUnderlyingErrorKey] as? any Error }
}

/// The file `tally export --to` writes: a temporary file beside the target, renamed into place
/// only once the export is complete and on disk, so that no failed or interrupted export leaves
/// a file at the target's name. It is readable by its owner only (it holds members' credentials
/// and, with --keys, key hashes).
final class ExportFile: @unchecked Sendable {
    let handle: FileHandle
    let target: String
    let temporary: String
    private let replacing: Bool

    /// Refuses an existing target unless `replacing`, and creates the temporary file.
    init(path: String, replacing: Bool) throws {
        target = path
        self.replacing = replacing
        var status = stat()
        if lstat(path, &status) == 0 {
            if (status.st_mode & S_IFMT) == S_IFDIR { throw TallyError.validation("\(path) is a directory.") }
            if !replacing { throw TallyError.validation("\(path) exists; give --force to replace it.") }
        }
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        temporary =
            url.deletingLastPathComponent().appendingPathComponent(
                ".\(url.lastPathComponent).partial-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            ).path
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw TallyError.validation("Cannot create a file in \(directory): \(String(cString: strerror(errno))).")
        }
        handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    }

    /// Puts the complete file on disk and in place: fsync, then a rename (with --force) or a
    /// link that fails if the target appeared meanwhile, then an fsync of the directory.
    func commit() throws {
        try handle.synchronize()
        try handle.close()
        if replacing {
            guard rename(temporary, target) == 0 else { throw Self.failure("rename into place") }
        } else if link(temporary, target) == 0 {
            unlink(temporary)
        } else {
            // Some file systems cannot link; there, a rename after a last look.
            if errno == EEXIST || access(target, F_OK) == 0 {
                throw TallyError.validation("\(target) exists; give --force to replace it.")
            }
            guard rename(temporary, target) == 0 else { throw Self.failure("rename into place") }
        }
        let directory = open(URL(fileURLWithPath: target).deletingLastPathComponent().path, O_RDONLY | O_CLOEXEC)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
    }

    /// Removes the temporary file (after a failure).
    func discard() {
        try? handle.close()
        unlink(temporary)
    }

    private static func failure(_ what: String) -> TallyError {
        TallyError(.unavailable, "Cannot \(what): \(String(cString: strerror(errno))).")
    }

    /// Removes the temporary file when the command is interrupted (SIGINT, SIGTERM) before it
    /// is in place, then exits as the signal would have.
    final class Guardian: @unchecked Sendable {
        private let sources: [any DispatchSourceSignal]

        init(_ file: ExportFile) {
            let temporary = file.temporary
            sources = [SIGINT, SIGTERM].map { number in
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler {
                    unlink(temporary)
                    Output.message("tally: export interrupted; nothing written to \(file.target).")
                    exit(128 + number)
                }
                source.resume()
                return source
            }
        }

        /// Stops watching, restoring the signals' default actions.
        func stop() {
            for source in sources { source.cancel() }
            signal(SIGINT, SIG_DFL)
            signal(SIGTERM, SIG_DFL)
        }
    }
}
