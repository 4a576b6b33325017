import Foundation
import TallyCore

/// Reads an export for `LedgerLoader.load`: the header first (refusing an unknown or newer
/// format), then each record checked by `ImportChecker` and gathered into chunks of one kind,
/// then the trailer, which must be the last line and count the records. A file cut short, a
/// line that is not a record, or anything after the trailer is refused with an error naming
/// the line, and since the load is one transaction, nothing of the file stays.
public final class ImportReader: LoadSource, @unchecked Sendable {
    // One load pulls from one task at a time (`LoadSource`); nothing here is shared beyond it.

    /// Most records in one chunk.
    public static let chunkRecordsMax = 2_000

    private let lines: LineReader
    private let decoder = JSONDecoder()
    private var checker: ImportChecker
    /// The header, as read when the reader was made.
    public let header: ExportHeader
    private var pending: [LoadChunk] = []
    private var records = 0
    private var finished = false
    private let progress: @Sendable (_ lines: Int, _ bytes: Int64) -> Void

    /// Reads the header of `input` (an error names line 1) and makes a reader for the rest.
    /// Opening entries (an export without a journal) get ids from `ids`, the time `now` and the
    /// initiator `initiatorID`. `progress` hears the lines and bytes read every 10,000 lines.
    public init(
        _ input: FileHandle, limits: Limits = .standard, ids: IDGenerator, now: Int64, initiatorID: String?,
        progress: @escaping @Sendable (_ lines: Int, _ bytes: Int64) -> Void = { _, _ in }
    ) throws(TallyError) {
        lines = LineReader(input, lineBytesMax: ExportFormat.lineBytesMax)
        guard let first = try lines.next() else { throw .validation("The file is empty: it holds no export header.") }
        header = try Self.header(Data(first))
        checker = ImportChecker(header: header, limits: limits, ids: ids, now: now, initiatorID: initiatorID)
        self.progress = progress
    }

    /// The header on line 1, or why it is not one this Tally reads.
    static func header(_ line: Data) throws(TallyError) -> ExportHeader {
        struct Peek: Decodable {
            let type: String?
            let format: Int?
            let tallyVersion: String?
        }
        guard let peek = try? JSONDecoder().decode(Peek.self, from: line), peek.type == ExportFormat.headerType else {
            throw .validation("Line 1 is not a Tally export header (a JSON object with type \"tally-export\").")
        }
        guard let format = peek.format, format >= 1 else {
            throw .validation("Line 1: the export's format version is missing or unknown; this Tally reads format 1.")
        }
        guard format <= ExportFormat.version else {
            throw .validation(
                "Line 1: the export is in format \(format), written by a newer Tally (\(peek.tallyVersion ?? "unknown version")); this Tally (\(TallyVersion.version)) reads formats up to \(ExportFormat.version). Import it with that Tally or a newer one."
            )
        }
        if let version = peek.tallyVersion, TallyVersion.isNewer(version, than: TallyVersion.version) {
            throw .validation(
                "Line 1: the export was written by Tally \(version), newer than this one (\(TallyVersion.version)). Import it with that version or a newer one."
            )
        }
        do {
            return try JSONDecoder().decode(ExportHeader.self, from: line)
        } catch {
            throw .validation("Line 1: the export header is incomplete: \(Self.describe(error)).")
        }
    }

    public func next() throws -> LoadChunk? {
        while pending.isEmpty {
            guard !finished else { return nil }
            try readLine()
        }
        return pending.removeFirst()
    }

    /// Reads one line, adding any chunk it completes to `pending`.
    private func readLine() throws(TallyError) {
        guard let bytes = try lines.next() else {
            throw .validation(
                "The file ends after line \(lines.lineNumber) without its trailer (a line with type \"end\"): it was cut short."
            )
        }
        let line = lines.lineNumber
        if line % 10_000 == 0 { progress(line, lines.bytesRead) }
        if bytes.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) {
            throw .validation("Line \(line) is empty; an export has one record on every line.")
        }
        let data = Data(bytes)
        if let trailer = try? decoder.decode(ExportTrailer.self, from: data), trailer.type == ExportFormat.trailerType {
            try finish(trailer, line: line)
            return
        }
        let record: ExportRecord
        do {
            record = try decoder.decode(ExportRecord.self, from: data)
        } catch {
            throw .validation("Line \(line) is not a record of the export: \(Self.describe(error)).")
        }
        if lines.lastLineWasCut {
            throw .validation("Line \(line) is cut short: the file ends in the middle of it.")
        }
        if case .realm = record { try checker.finishRealm(line: line) }
        if case .key(let key) = record, key.realmId == nil { try checker.finishRealm(line: line) }
        let checked = try checker.check(record, line: line)
        records += 1
        add(checked, line: line)
    }

    private func finish(_ trailer: ExportTrailer, line: Int) throws(TallyError) {
        try checker.finishRealm(line: line)
        guard trailer.records == records else {
            throw .validation(
                "Line \(line): the trailer counts \(trailer.records) records but the file holds \(records): it was damaged."
            )
        }
        while let extra = try lines.next() {
            if !extra.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) {
                throw .validation("Line \(lines.lineNumber) comes after the trailer, which must be the last line.")
            }
        }
        flush()
        finished = true
        progress(line, lines.bytesRead)
    }

    /// The kind of record being gathered into a chunk.
    private enum Kind { case currencies, members, credentials, holders, entries, balances, keys }

    /// Records of one kind being gathered into a chunk: one array per kind, appended in place
    /// (an array held inside an enum would be copied on every append).
    private var gathering: Kind?
    private var currencies: [Lined<Currency>] = []
    private var members: [Lined<Member>] = []
    private var credentials: [Lined<GhostCredential>] = []
    private var holders: [Lined<BalanceHolder>] = []
    private var entries: [Lined<JournalEntry>] = []
    private var balances: [Lined<StoredBalance>] = []
    /// The opening entries of `balances` (an export without a journal).
    private var openings: [Lined<JournalEntry>] = []
    private var keys: [Lined<APIKey>] = []

    private func add(_ checked: ImportChecker.Checked, line: Int) {
        let kind: Kind
        switch checked {
        case .realm(let realm):
            flush()
            pending.append(.realm(Lined(realm, line: line)))
            return
        case .currency: kind = .currencies
        case .member: kind = .members
        case .credential: kind = .credentials
        case .holder: kind = .holders
        case .entry: kind = .entries
        case .balance: kind = .balances
        case .key: kind = .keys
        }
        if gathering != kind { flush() }
        gathering = kind
        let count: Int
        switch checked {
        case .realm: preconditionFailure("handled above")
        case .currency(let value):
            currencies.append(Lined(value, line: line))
            count = currencies.count
        case .member(let value):
            members.append(Lined(value, line: line))
            count = members.count
        case .credential(let value):
            credentials.append(Lined(value, line: line))
            count = credentials.count
        case .holder(let value):
            holders.append(Lined(value, line: line))
            count = holders.count
        case .entry(let value):
            entries.append(Lined(value, line: line))
            count = entries.count
        case .balance(let value, let opening):
            balances.append(Lined(value, line: line))
            if let opening { openings.append(Lined(opening, line: line)) }
            count = balances.count
        case .key(let value):
            keys.append(Lined(value, line: line))
            count = keys.count
        }
        if count >= Self.chunkRecordsMax { flush() }
    }

    /// Moves the records being gathered to `pending` as a chunk (a balance's opening entry
    /// before the balances).
    private func flush() {
        guard let kind = gathering else { return }
        gathering = nil
        switch kind {
        case .currencies: pending.append(.currencies(currencies))
        case .members: pending.append(.members(members))
        case .credentials: pending.append(.credentials(credentials))
        case .holders: pending.append(.holders(holders))
        case .entries: pending.append(.entries(entries))
        case .balances:
            if !openings.isEmpty { pending.append(.entries(openings)) }
            pending.append(.balances(balances))
        case .keys: pending.append(.keys(keys))
        }
        currencies = []
        members = []
        credentials = []
        holders = []
        entries = []
        balances = []
        openings = []
        keys = []
    }

    /// A decoding error in a sentence: which field, and what was wrong.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "it is not JSON" }
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map(\.stringValue).joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, _): return "the field '\(key.stringValue)' is missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "the field '\(path(context))' has the wrong type"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "it is not a JSON object" : context.debugDescription
        @unknown default: return "it is not a record"
        }
    }
}
