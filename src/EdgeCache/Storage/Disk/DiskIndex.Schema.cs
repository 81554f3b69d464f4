using Microsoft.Data.Sqlite;

namespace EdgeCache.Storage;

/// <content>
/// The schema, created when missing, and the columns added since the first version. Inserts add to the totals
/// themselves, once per batch (<see cref="InsertBatch"/>): an index of an earlier version loses its insert trigger
/// when opened (an earlier version opening it again puts the trigger back, and counts its own inserts by it).
/// </content>
internal sealed partial class DiskIndex
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS entries(
            id INTEGER PRIMARY KEY,
            hash BLOB NOT NULL UNIQUE,
            key TEXT NOT NULL,
            url TEXT NOT NULL,
            host TEXT NOT NULL,
            size INTEGER NOT NULL,
            expires INTEGER NOT NULL,
            accessed INTEGER NOT NULL,
            invalidated INTEGER NOT NULL DEFAULT 0,
            metadata BLOB NOT NULL,
            checksum INTEGER,
            body BLOB);
        CREATE INDEX IF NOT EXISTS entries_expires ON entries(expires);
        CREATE INDEX IF NOT EXISTS entries_accessed ON entries(accessed);
        CREATE INDEX IF NOT EXISTS entries_host ON entries(host);
        CREATE INDEX IF NOT EXISTS entries_url ON entries(url);
        CREATE TABLE IF NOT EXISTS tags(tag TEXT NOT NULL, id INTEGER NOT NULL, PRIMARY KEY(tag, id)) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS tags_id ON tags(id);
        CREATE TABLE IF NOT EXISTS totals(name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
        INSERT OR IGNORE INTO totals VALUES ('bytes', 0), ('entries', 0), ('id_limit', 1);
        DROP TRIGGER IF EXISTS entries_inserted;
        CREATE TRIGGER IF NOT EXISTS entries_deleted AFTER DELETE ON entries BEGIN
            UPDATE totals SET value = value - OLD.size WHERE name = 'bytes';
            UPDATE totals SET value = value - 1 WHERE name = 'entries';
            DELETE FROM tags WHERE id = OLD.id;
        END;
        """;

    /// <summary>
    /// Indexes of an earlier version lack the newer columns; their rows keep NULL there (a body flushed to
    /// disk before its row was written, in a file).
    /// </summary>
    private static void AddColumn(SqliteConnection connection, string definition)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM pragma_table_info('entries') WHERE name = $name";
        command.Parameters.AddWithValue("$name", definition[..definition.IndexOf(' ', StringComparison.Ordinal)]);
        if ((long)command.ExecuteScalar()! == 0)
        {
            Execute(connection, $"ALTER TABLE entries ADD COLUMN {definition}");
        }
    }
}
