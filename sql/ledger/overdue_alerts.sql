-- One alert per overdue period of a department's feed (a new period owed is a new alert).
insert or ignore into ledger.alerts by name
select
    'overdue:' || feed || ':' || department || ':' || strftime(next_period, '%Y-%m') as alert_key,
    now() as raised_at,
    'overdue_feed' as kind,
    feed,
    department,
    strftime(next_period, '%Y-%m') as subject,
    'Overdue: ' || department || ' has not sent ' || feed || ' for '
    || strftime(next_period, '%Y-%m') || ', due ' || strftime(next_due, '%Y-%m-%d') || ' ('
    || days_overdue || ' days late).' as message_en,
    '数据缺报：' || coalesce(department_zh, department) || '尚未报送' || strftime(next_period, '%Y年%m月')
    || '“' || feed_zh || '”，应于' || strftime(next_due, '%Y年%m月%d日') || '前报送（已逾期'
    || days_overdue || '天）。' as message_zh
from marts.feed_status
where is_overdue;
