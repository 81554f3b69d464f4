namespace EdgeCache.Benchmarks;

/// <summary>A plain LRU of unit-size items, the baseline SIEVE is compared with.</summary>
internal sealed class LruCache(int capacity)
{
    private readonly Dictionary<int, LinkedListNode<int>> _map = new(capacity);
    private readonly LinkedList<int> _order = new();

    public bool Get(int id)
    {
        if (!_map.TryGetValue(id, out var node))
        {
            return false;
        }

        _order.Remove(node);
        _order.AddFirst(node);
        return true;
    }

    public void Put(int id)
    {
        if (_map.Count >= capacity)
        {
            var last = _order.Last!;
            _order.RemoveLast();
            _map.Remove(last.Value);
        }

        _map[id] = _order.AddFirst(id);
    }
}
