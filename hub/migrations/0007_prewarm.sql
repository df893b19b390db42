-- pg_prewarm, where the server has it (a contrib module; the embedded server
-- does): the hub loads its statistics relations into shared buffers when it
-- starts (hub.prewarm), so that the first figures after a restart do not
-- wait for the disk. Without it the hub works the same, only colder.
do $$
begin
    if exists (select 1 from pg_available_extensions where name = 'pg_prewarm') then
        create extension if not exists pg_prewarm;
    end if;
end
$$;
