import Foundation
import TallyCore

/// The member import format: CSV (RFC 4180: quoted fields, doubled quotes, CRLF or LF) with a
/// header row naming credential kinds (`username`, `discord-id`, `twitter-id`, `wallet`,
/// `email`), the wallet's details (`wallet-chain`, `wallet-name`) and opening balances
/// (`balance:<currency name>`, one column per currency of the realm), in any order.
///
/// `Reader` reads it a block at a time and hands out checked rows (`MemberImport.Row`), so
/// memory holds one block and the rows not yet taken, whatever the file's size.
///
/// A file format of the `member import` command, so it lives here and not in the domain module.
enum MemberCSV {
    /// Most rows one import accepts.
    static let rowsMax = 5_000_000

    /// Bytes read at a time.
    static let blockBytes = 1 << 18

    /// What the name of a balance column begins with; the rest names the currency.
    static let balancePrefix = "balance:"

    /// A column the header may name: a credential, a detail of the row's wallet, or a balance.
    enum Column: Equatable {
        case credential(Credentials.Kind)
        case walletChain
        case walletName
        /// A balance, in the header's balance currency at this index.
        case balance(Int)

        /// Every column but the balances, in the order an error lists their names.
        static let all: [Column] = Credentials.Kind.allCases.map(Column.credential) + [.walletChain, .walletName]

        /// The header name (of a column other than a balance).
        var name: String {
            switch self {
            case .credential(let kind): kind.rawValue
            case .walletChain: "wallet-chain"
            case .walletName: "wallet-name"
            case .balance: MemberCSV.balancePrefix
            }
        }

        /// The column a (trimmed, lowercased) header name names, other than a balance.
        init?(name: String) {
            guard let column = Self.all.first(where: { $0.name == name }) else { return nil }
            self = column
        }

        /// Stores `value` in this column of `credentials` (not a balance).
        func set(_ value: String, in credentials: inout Credentials) {
            switch self {
            case .credential(let kind): credentials[kind] = value
            case .walletChain: credentials.walletChain = value
            case .walletName: credentials.walletName = value
            case .balance: preconditionFailure("a balance is not a credential")
            }
        }
    }

    /// The rows of a whole file in memory, as credentials (for a file without balance columns);
    /// errors name the 1-based line. Read `blockBytes` at a time, as `Reader` reads a file.
    static func parse(_ bytes: [UInt8], limits: Limits = .standard, blockBytes: Int = blockBytes)
        throws(TallyError) -> [Credentials]
    {
        var offset = 0
        let reader = Reader(limits: limits, blockBytes: blockBytes) { count in
            guard offset < bytes.count else { return nil }
            let end = min(offset + count, bytes.count)
            defer { offset = end }
            return Data(bytes[offset..<end])
        }
        var result = [Credentials]()
        while let rows = try reader.next(rowsMax) { result += rows.map(\.credentials) }
        return result
    }

    /// Reads a member import a block at a time and hands out its rows, checked.
    ///
    /// Errors keep a fixed precedence whatever their place in the file: a malformed quote
    /// anywhere, then an empty file, then the header, then too many rows, then the first bad row
    /// (its field count, a balance that is not a whole number, its credentials, a balance outside
    /// its currency's range). So once a row is bad, no more rows are handed out: the reader reads
    /// on to the end of the file without keeping anything, and then throws the error that comes
    /// first. Errors name the 1-based line.
    final class Reader {
        private let read: (Int) throws(TallyError) -> Data?
        private let blockBytes: Int
        private var tokenizer = Tokenizer()
        private var rows: Rows
        /// The first bytes, kept until a byte order mark can be told from text.
        private var head = Data()
        private var started = false
        private var ended = false
        /// Bytes read so far.
        private(set) var bytesRead: Int64 = 0

        /// A reader of what `read` returns (at most the count it is given, nil or empty at the
        /// end), `blockBytes` at a time. Balance columns name currencies of `currencies`.
        init(
            currencies: [Currency] = [], limits: Limits = .standard, blockBytes: Int = MemberCSV.blockBytes,
            read: @escaping (Int) throws(TallyError) -> Data?
        ) {
            precondition(blockBytes > 0)
            self.read = read
            self.blockBytes = blockBytes
            rows = Rows(limits: limits, currencies: currencies)
        }

        /// A reader of `input`.
        convenience init(
            _ input: FileHandle, currencies: [Currency], limits: Limits = .standard,
            blockBytes: Int = MemberCSV.blockBytes
        ) {
            self.init(currencies: currencies, limits: limits, blockBytes: blockBytes) { count throws(TallyError) in
                do {
                    return try input.read(upToCount: count)
                } catch {
                    throw .validation("Cannot read the CSV: \(error.localizedDescription)")
                }
            }
        }

        /// The currencies of the header's balance columns, in order (once the header is read).
        var balanceCurrencies: [Currency] { rows.balanceCurrencies }

        /// The next rows, at most `count` of them, or nil after the last.
        func next(_ count: Int) throws(TallyError) -> [MemberImport.Row]? {
            while rows.ready.count < count && !ended {
                try readBlock()
            }
            if ended { try rows.finish() }
            guard !rows.ready.isEmpty else { return nil }
            let taken = min(count, rows.ready.count)
            let result = Array(rows.ready[..<taken])
            rows.ready.removeFirst(taken)
            return result
        }

        private func readBlock() throws(TallyError) {
            guard let block = try read(blockBytes), !block.isEmpty else {
                if !started { try feed(head) }
                try tokenizer.finish(into: &rows)
                ended = true
                return
            }
            bytesRead += Int64(block.count)
            guard started else {
                head.append(block)
                if head.count >= 3 { try feed(head) }
                return
            }
            try feed(block)
        }

        /// Hands `bytes` to the tokenizer; the first bytes of the file lose their byte order mark.
        private func feed(_ bytes: Data) throws(TallyError) {
            var start = bytes.startIndex
            if !started {
                started = true
                head = Data()
                if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { start += 3 }  // UTF-8 byte order mark
            }
            let outcome = bytes[start...].withUnsafeBytes { raw in
                Result { () throws(TallyError) in
                    try tokenizer.feed(raw.assumingMemoryBound(to: UInt8.self), into: &rows)
                }
            }
            try outcome.get()
        }
    }

    /// Builds the rows from the fields the tokenizer hands over.
    struct Rows {
        let limits: Limits
        /// The realm's currencies, which balance columns name.
        let currencies: [Currency]
        /// Nil until the header record ends.
        var columns: [Column]?
        /// The currency of each balance column, in the header's order.
        var balanceCurrencies = [Currency]()
        var headerNames = [String]()
        var headerError: TallyError?
        var rowError: TallyError?
        /// Records after the header, blank lines included.
        var recordCount = 0
        var fieldCount = 0
        var firstFieldIsEmpty = false
        var current = Credentials()
        /// The record's balance in each balance column (0 for an empty field).
        var balances = [Int64]()
        /// Why a balance field of the record is not a balance.
        var balanceError: String?
        /// Rows built and not yet taken.
        var ready = [MemberImport.Row]()

        init(limits: Limits, currencies: [Currency]) {
            self.limits = limits
            self.currencies = currencies
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
            guard fieldCount < columns.count && !bytes.isEmpty else { return }
            switch columns[fieldCount] {
            case .balance(let index):
                switch MemberCSV.balance(bytes) {
                case .success(let amount): balances[index] = amount
                case .failure(let reason):
                    if balanceError == nil {
                        let text = String(decoding: bytes, as: UTF8.self)
                        balanceError = "the \(balanceCurrencies[index].name) balance '\(text.prefix(40))' \(reason)."
                    }
                }
            case let column:
                column.set(String(decoding: bytes, as: UTF8.self), in: &current)
            }
        }

        mutating func endRecord(line: Int) {
            defer {
                fieldCount = 0
                current = Credentials()
                for index in balances.indices { balances[index] = 0 }
                balanceError = nil
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
            if let balanceError {
                rowError = .validation("CSV line \(line): \(balanceError)")
                return
            }
            do {
                ready.append(
                    try MemberImport.Row(
                        credentials: current,
                        balances: balances.isEmpty ? [] : Array(zip(balanceCurrencies, balances)), line: line,
                        limits: limits))
            } catch {
                rowError = .validation("CSV line \(line): \(error.message)")
            }
        }

        private mutating func readHeader() {
            var columns = [Column]()
            for (index, name) in headerNames.enumerated() {
                let trimmed = name.trimmingCharacters(in: .whitespaces)
                if trimmed.lowercased().hasPrefix(MemberCSV.balancePrefix) {
                    do {
                        let currency = try balanceCurrency(
                            String(trimmed.dropFirst(MemberCSV.balancePrefix.count)), column: index + 1, name: name)
                        guard !balanceCurrencies.contains(where: { $0.id == currency.id }) else {
                            headerError = .validation(
                                "CSV header names '\(MemberCSV.balancePrefix)\(currency.name)' twice.")
                            break
                        }
                        columns.append(.balance(balanceCurrencies.count))
                        balanceCurrencies.append(currency)
                    } catch {
                        headerError = error
                        break
                    }
                    continue
                }
                guard let column = Column(name: trimmed.lowercased()) else {
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
            balances = Array(repeating: 0, count: balanceCurrencies.count)
            self.columns = columns
        }

        /// The currency a balance column names: the one currency of the realm with that name,
        /// trimmed and without regard to case, that is not archived.
        private func balanceCurrency(_ text: String, column: Int, name: String) throws(TallyError) -> Currency {
            let wanted = text.trimmingCharacters(in: .whitespaces)
            let key = wanted.lowercased()
            let matches = currencies.filter { $0.name.trimmingCharacters(in: .whitespaces).lowercased() == key }
            let place = "CSV header (line 1) column \(column) is '\(name)'"
            guard let currency = matches.first else {
                let names = currencies.map(\.name)
                let known =
                    names.isEmpty
                    ? "the realm has no currencies" : "its currencies are: \(names.joined(separator: ", "))"
                throw .validation("\(place), but the realm has no currency named '\(wanted)'; \(known).")
            }
            guard matches.count == 1 else {
                throw .validation(
                    "\(place), but the realm has \(matches.count) currencies named '\(wanted)' (\(matches.map(\.id.rawValue).joined(separator: ", "))); rename all but one to import balances in it."
                )
            }
            guard currency.archivedAtMilliseconds == nil else {
                throw .validation(
                    "\(place), but currency \(currency.name) (\(currency.id)) is archived; unarchive it to import balances in it."
                )
            }
            return currency
        }

        /// Throws the error that comes first, if the file had one.
        func finish() throws(TallyError) {
            guard columns != nil else {
                throw .validation("The CSV is empty: it needs a header row such as 'username,discord-id'.")
            }
            if let headerError { throw headerError }
            guard recordCount <= MemberCSV.rowsMax else {
                throw .validation("The CSV has more than \(MemberCSV.rowsMax) rows.")
            }
            if let rowError { throw rowError }
        }
    }

    /// Why a field is not a balance.
    enum BalanceFailure: Error, CustomStringConvertible {
        case notWhole
        case outOfRange

        var description: String {
            switch self {
            case .notWhole: "is not a whole number"
            case .outOfRange: "is outside the range of a 64-bit integer (\(Int64.min) to \(Int64.max))"
            }
        }
    }

    /// A balance field: a whole number, optionally signed, with spaces or tabs around it allowed.
    static func balance(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<Int64, BalanceFailure> {
        var start = 0
        var end = bytes.count
        func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == 0x09 }
        while start < end && isBlank(bytes[start]) { start += 1 }
        while end > start && isBlank(bytes[end - 1]) { end -= 1 }
        var negative = false
        if start < end && (bytes[start] == UInt8(ascii: "-") || bytes[start] == UInt8(ascii: "+")) {
            negative = bytes[start] == UInt8(ascii: "-")
            start += 1
        }
        guard start < end else { return .failure(.notWhole) }
        // Summed below zero, where Int64.min fits, and negated at the end.
        var value: Int64 = 0
        var overflow = false
        for index in start..<end {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return .failure(.notWhole) }
            guard !overflow else { continue }
            let (times, timesOverflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, sumOverflow) = times.subtractingReportingOverflow(Int64(digit))
            overflow = timesOverflow || sumOverflow
            value = sum
        }
        if overflow { return .failure(.outOfRange) }
        if negative { return .success(value) }
        guard value != Int64.min else { return .failure(.outOfRange) }
        return .success(-value)
    }

    /// Splits bytes into fields and records, a block at a time: a field, a quoted field or a
    /// record may run across the end of one block into the next. Outside quotes a carriage
    /// return is dropped; a quote may only open a field. Runs of ordinary bytes are copied at
    /// once, and a field that is one such run inside a block goes to `rows` without being copied
    /// at all.
    struct Tokenizer {
        private var field: [UInt8] = {
            var field = [UInt8]()
            field.reserveCapacity(256)
            return field
        }()
        private var line = 1
        private var recordLine = 1
        private var inQuotes = false
        /// A quote inside a quoted field was the last byte of a block: the next byte tells
        /// whether it is doubled (a quote in the value) or closes the field.
        private var quotePending = false
        private static let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), cr = UInt8(ascii: "\r")
        private static let lf = UInt8(ascii: "\n")

        private mutating func endField(_ rows: inout Rows) {
            field.withUnsafeBufferPointer { rows.endField($0) }
            field.removeAll(keepingCapacity: true)
        }

        private mutating func endRecord(_ rows: inout Rows) {
            rows.endRecord(line: recordLine)
            line += 1
            recordLine = line
        }

        mutating func feed(_ bytes: UnsafeBufferPointer<UInt8>, into rows: inout Rows) throws(TallyError) {
            let quote = Self.quote, comma = Self.comma, cr = Self.cr, lf = Self.lf
            var index = 0
            let end = bytes.count
            if quotePending && end > 0 {
                quotePending = false
                if bytes[0] == quote {
                    field.append(quote)
                    index = 1
                } else {
                    inQuotes = false
                }
            }
            while index < end {
                let byte = bytes[index]
                if inQuotes {
                    if byte == quote {
                        if index + 1 < end {
                            if bytes[index + 1] == quote {
                                field.append(quote)
                                index += 2
                            } else {
                                inQuotes = false
                                index += 1
                            }
                        } else {
                            quotePending = true
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
                    guard field.isEmpty else {
                        throw .validation("CSV line \(line): a quote inside an unquoted field.")
                    }
                    inQuotes = true
                    index += 1
                case comma:
                    endField(&rows)
                    index += 1
                case cr:
                    index += 1
                case lf:
                    endField(&rows)
                    endRecord(&rows)
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
                        if bytes[runEnd] == lf { endRecord(&rows) }
                        index = runEnd + 1
                    } else {
                        field.append(contentsOf: run)
                        index = runEnd
                    }
                }
            }
        }

        /// Ends the input: a quoted field left open is an error; a last record without a line
        /// feed still counts.
        mutating func finish(into rows: inout Rows) throws(TallyError) {
            if quotePending {
                quotePending = false
                inQuotes = false
            }
            guard !inQuotes else { throw .validation("CSV line \(recordLine): a quoted field is not closed.") }
            if !field.isEmpty || rows.fieldCount > 0 {
                endField(&rows)
                rows.endRecord(line: recordLine)
            }
        }
    }
}
