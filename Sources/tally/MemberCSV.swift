import Foundation
import TallyCore

/// Parses the member import format: CSV (RFC 4180: quoted fields, doubled quotes, CRLF or LF)
/// with a header row naming credential kinds (`username`, `discord-id`, `twitter-id`, `wallet`,
/// `email`) and the wallet's details (`wallet-chain`, `wallet-name`) in any order. Pure: the
/// caller reads the bytes.
///
/// A file format of the `member import` command, so it lives here and not in the domain module.
enum MemberCSV {
    /// Most rows one import accepts.
    static let rowsMax = 5_000_000

    /// A column the header may name: a credential, or a detail of the row's wallet.
    enum Column: Equatable {
        case credential(Credentials.Kind)
        case walletChain
        case walletName

        /// Every column, in the order an error lists their names.
        static let all: [Column] = Credentials.Kind.allCases.map(Column.credential) + [.walletChain, .walletName]

        /// The header name.
        var name: String {
            switch self {
            case .credential(let kind): kind.rawValue
            case .walletChain: "wallet-chain"
            case .walletName: "wallet-name"
            }
        }

        /// The column a (trimmed, lowercased) header name names.
        init?(name: String) {
            guard let column = Self.all.first(where: { $0.name == name }) else { return nil }
            self = column
        }

        /// Stores `value` in this column of `credentials`.
        func set(_ value: String, in credentials: inout Credentials) {
            switch self {
            case .credential(let kind): credentials[kind] = value
            case .walletChain: credentials.walletChain = value
            case .walletName: credentials.walletName = value
            }
        }
    }

    /// The rows as credentials, validated; errors name the 1-based line.
    ///
    /// One pass over the bytes: each field becomes at most one `String`, stored straight into the
    /// row's credentials. Errors keep a fixed precedence whatever their place in the file: a
    /// malformed quote anywhere, then an empty file, then the header, then too many rows, then
    /// the first bad row.
    static func parse(_ bytes: [UInt8], limits: Limits = .standard) throws(TallyError) -> [Credentials] {
        let outcome = bytes.withUnsafeBufferPointer { buffer in
            Result { () throws(TallyError) -> [Credentials] in
                var rows = Rows(limits: limits, expectedRows: lineCount(buffer))
                try tokenize(buffer, into: &rows)
                return try rows.finish()
            }
        }
        return try outcome.get()
    }

    /// The number of line feeds, to size the result once.
    private static func lineCount(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var count = 0
        for byte in bytes where byte == UInt8(ascii: "\n") { count += 1 }
        return min(count + 1, rowsMax + 1)
    }

    /// Builds the rows from the fields the tokenizer hands over.
    struct Rows {
        let limits: Limits
        /// Nil until the header record ends.
        var columns: [Column]?
        var headerNames = [String]()
        var headerError: TallyError?
        var rowError: TallyError?
        /// Records after the header, blank lines included.
        var recordCount = 0
        var fieldCount = 0
        var firstFieldIsEmpty = false
        var current = Credentials()
        var result = [Credentials]()

        init(limits: Limits, expectedRows: Int) {
            self.limits = limits
            result.reserveCapacity(expectedRows)
        }

        /// Whether the fields of the record being read still matter.
        private var isBuilding: Bool { headerError == nil && rowError == nil && recordCount < MemberCSV.rowsMax }

        mutating func endField(_ bytes: UnsafeBufferPointer<UInt8>) {
            defer { fieldCount += 1 }
            guard let columns else {
                headerNames.append(String(decoding: bytes, as: UTF8.self))
                return
            }
            guard isBuilding else { return }
            if fieldCount == 0 { firstFieldIsEmpty = bytes.isEmpty }
            // An empty field counts as absent, as `Credentials.validated` treats it.
            if fieldCount < columns.count && !bytes.isEmpty {
                columns[fieldCount].set(String(decoding: bytes, as: UTF8.self), in: &current)
            }
        }

        mutating func endRecord(line: Int) {
            defer {
                fieldCount = 0
                current = Credentials()
            }
            guard let columns else {
                readHeader()
                return
            }
            let building = isBuilding
            recordCount += 1
            guard building else { return }
            if fieldCount == 1 && firstFieldIsEmpty { return }  // blank line
            guard fieldCount == columns.count else {
                rowError = .validation("CSV line \(line) has \(fieldCount) fields; the header has \(columns.count).")
                return
            }
            do {
                result.append(try current.validated(limits: limits))
            } catch {
                rowError = .validation("CSV line \(line): \(error.message)")
            }
        }

        private mutating func readHeader() {
            var columns = [Column]()
            for (index, name) in headerNames.enumerated() {
                let trimmed = name.trimmingCharacters(in: .whitespaces).lowercased()
                guard let column = Column(name: trimmed) else {
                    let known = Column.all.map(\.name).joined(separator: ", ")
                    headerError = .validation(
                        "CSV header column \(index + 1) is '\(name)'; expected one of: \(known).")
                    break
                }
                guard !columns.contains(column) else {
                    headerError = .validation("CSV header names '\(column.name)' twice.")
                    break
                }
                columns.append(column)
            }
            self.columns = columns
        }

        func finish() throws(TallyError) -> [Credentials] {
            guard columns != nil else {
                throw .validation("The CSV is empty: it needs a header row such as 'username,discord-id'.")
            }
            if let headerError { throw headerError }
            guard recordCount <= MemberCSV.rowsMax else {
                throw .validation("The CSV has more than \(MemberCSV.rowsMax) rows.")
            }
            if let rowError { throw rowError }
            return result
        }
    }

    /// Splits `bytes` into fields and records. Outside quotes a carriage return is dropped; a
    /// quote may only open a field. Runs of ordinary bytes are copied at once, and a field that
    /// is one such run goes to `rows` without being copied at all.
    static func tokenize(_ bytes: UnsafeBufferPointer<UInt8>, into rows: inout Rows) throws(TallyError) {
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
        var field = [UInt8]()
        field.reserveCapacity(256)
        var line = 1
        var recordLine = 1
        var inQuotes = false
        var index = 0
        let end = bytes.count
        if end >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { index = 3 }  // UTF-8 byte order mark
        func endField() {
            field.withUnsafeBufferPointer { rows.endField($0) }
            field.removeAll(keepingCapacity: true)
        }
        while index < end {
            let byte = bytes[index]
            if inQuotes {
                if byte == quote {
                    if index + 1 < end && bytes[index + 1] == quote {
                        field.append(quote)
                        index += 2
                    } else {
                        inQuotes = false
                        index += 1
                    }
                    continue
                }
                var runEnd = index
                while runEnd < end && bytes[runEnd] != quote {
                    if bytes[runEnd] == lf { line += 1 }
                    runEnd += 1
                }
                field.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[index..<runEnd]))
                index = runEnd
                continue
            }
            switch byte {
            case quote:
                guard field.isEmpty else { throw .validation("CSV line \(line): a quote inside an unquoted field.") }
                inQuotes = true
                index += 1
            case comma:
                endField()
                index += 1
            case cr:
                index += 1
            case lf:
                endField()
                rows.endRecord(line: recordLine)
                line += 1
                recordLine = line
                index += 1
            default:
                var runEnd = index + 1
                while runEnd < end {
                    let next = bytes[runEnd]
                    if next == comma || next == lf || next == cr || next == quote { break }
                    runEnd += 1
                }
                let run = UnsafeBufferPointer(rebasing: bytes[index..<runEnd])
                if field.isEmpty && runEnd < end && (bytes[runEnd] == comma || bytes[runEnd] == lf) {
                    // The whole field: hand it over in place, then take its delimiter.
                    rows.endField(run)
                    if bytes[runEnd] == lf {
                        rows.endRecord(line: recordLine)
                        line += 1
                        recordLine = line
                    }
                    index = runEnd + 1
                } else {
                    field.append(contentsOf: run)
                    index = runEnd
                }
            }
        }
        guard !inQuotes else { throw .validation("CSV line \(recordLine): a quoted field is not closed.") }
        if !field.isEmpty || rows.fieldCount > 0 {
            endField()
            rows.endRecord(line: recordLine)
        }
    }
}
