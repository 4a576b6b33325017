import TallyCore

/// The export format: line-delimited JSON, one record per line, each an object with a `type`.
///
/// - Line 1 is the header (`ExportHeader`): the format version, the Tally that wrote it, and
///   what was selected.
/// - Then the records (`ExportRecord`), in the order `LedgerExporter` reads them, so that two
///   stores holding the same ledger write the same lines, byte for byte.
/// - The last line is the trailer (`ExportTrailer`): the number of records. A file without it
///   was cut short, and import refuses it.
///
/// Times are integer milliseconds since 1970 and amounts are integers, so nothing is rounded on
/// the way through; metadata is the stored JSON with its keys sorted. API keys appear only when
/// asked for, and only as the SHA-256 of their secrets. See docs/OPERATIONS.md, "Export and
/// import".
public enum ExportFormat {
    /// The version this Tally writes, and the newest it reads.
    public static let version = 1
    /// The `type` of the header line.
    public static let headerType = "tally-export"
    /// The `type` of the trailer line.
    public static let trailerType = "end"
    /// Longest line import reads, in bytes: far above any record within `Limits`.
    public static let lineBytesMax = 1 << 20
}

/// The first line of an export.
public struct ExportHeader: Codable, Sendable, Equatable {
    public var type = ExportFormat.headerType
    /// The format version (`ExportFormat.version`).
    public var format: Int
    /// The version of the Tally that wrote it.
    public var tallyVersion: String
    /// When it was written, in milliseconds since 1970.
    public var exportedAt: Int64
    /// The realm exported, or nil for every realm.
    public var realm: String?
    /// Whether the journal is in it.
    public var journal: Bool
    /// Whether API keys (their hashes) are in it.
    public var keys: Bool

    public init(selection: ExportSelection, exportedAt: Int64) {
        format = ExportFormat.version
        tallyVersion = TallyVersion.version
        self.exportedAt = exportedAt
        realm = selection.realm?.rawValue
        journal = selection.journal
        keys = selection.keys
    }
}

/// The last line of an export.
public struct ExportTrailer: Codable, Sendable, Equatable {
    public var type = ExportFormat.trailerType
    /// The number of records between the header and this line.
    public var records: Int

    public init(records: Int) { self.records = records }
}
