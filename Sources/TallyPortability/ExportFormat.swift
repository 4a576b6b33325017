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
