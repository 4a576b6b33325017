import Foundation

/// Parses the member import format: CSV (RFC 4180: quoted fields, doubled quotes, CRLF or LF)
/// with a header row naming credential kinds (`username`, `discord-id`, `twitter-id`, `wallet`,
/// `email`) in any order. Pure: the caller reads the bytes.
public enum MemberCSV {
    /// Most rows one import accepts.
    public static let rowsMax = 5_000_000

    /// The rows as credentials, validated; errors name the 1-based line.
    public static func parse(_ bytes: [UInt8], limits: Limits = .standard) throws(TallyError) -> [Credentials] {
        var records = try records(bytes)
        guard !records.isEmpty else {
            throw .validation("The CSV is empty: it needs a header row such as 'username,discord-id'.")
        }
        let header = records.removeFirst()
        var kinds = [Credentials.Kind]()
        for (column, name) in header.fields.enumerated() {
            let trimmed = name.trimmingCharacters(in: .whitespaces).lowercased()
            guard let kind = Credentials.Kind(rawValue: trimmed) else {
                let known = Credentials.Kind.allCases.map(\.rawValue).joined(separator: ", ")
                throw .validation("CSV header column \(column + 1) is '\(name)'; expected one of: \(known).")
            }
            guard !kinds.contains(kind) else { throw .validation("CSV header names '\(kind.rawValue)' twice.") }
            kinds.append(kind)
        }
        guard records.count <= rowsMax else { throw .validation("The CSV has more than \(rowsMax) rows.") }
        var result = [Credentials]()
        result.reserveCapacity(records.count)
        for record in records {
            if record.fields.count == 1 && record.fields[0].isEmpty { continue }  // blank line
            guard record.fields.count == kinds.count else {
                throw .validation(
                    "CSV line \(record.line) has \(record.fields.count) fields; the header has \(kinds.count).")
            }
            var credentials = Credentials()
            for (kind, value) in zip(kinds, record.fields) { credentials[kind] = value }
            do {
                result.append(try credentials.validated(limits: limits))
            } catch {
                throw .validation("CSV line \(record.line): \(error.message)")
            }
        }
        return result
    }

    struct Record {
        var fields: [String]
        var line: Int
    }

    static func records(_ bytes: [UInt8]) throws(TallyError) -> [Record] {
        var records = [Record]()
        var fields = [String]()
        var field = [UInt8]()
        var line = 1
        var recordLine = 1
        var inQuotes = false
        var index = bytes.startIndex
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index += 3 }  // UTF-8 byte order mark
        func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
        }
        while index < bytes.endIndex {
            let byte = bytes[index]
            if inQuotes {
                if byte == UInt8(ascii: "\"") {
                    if index + 1 < bytes.endIndex && bytes[index + 1] == UInt8(ascii: "\"") {
                        field.append(byte)
                        index += 1
                    } else {
                        inQuotes = false
                    }
                } else {
                    if byte == UInt8(ascii: "\n") { line += 1 }
                    field.append(byte)
                }
            } else {
                switch byte {
                case UInt8(ascii: "\""):
                    guard field.isEmpty else {
                        throw .validation("CSV line \(line): a quote inside an unquoted field.")
                    }
                    inQuotes = true
                case UInt8(ascii: ","):
                    endField()
                case UInt8(ascii: "\r"):
                    break
                case UInt8(ascii: "\n"):
                    endField()
                    records.append(Record(fields: fields, line: recordLine))
                    fields.removeAll()
                    line += 1
                    recordLine = line
                default:
                    field.append(byte)
                }
            }
            index += 1
        }
        guard !inQuotes else { throw .validation("CSV line \(recordLine): a quoted field is not closed.") }
        if !field.isEmpty || !fields.isEmpty {
            endField()
            records.append(Record(fields: fields, line: recordLine))
        }
        return records
    }
}
