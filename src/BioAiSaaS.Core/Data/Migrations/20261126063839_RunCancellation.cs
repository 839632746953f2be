using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BioAiSaaS.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class RunCancellation : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "cancel_requested_at",
                table: "runs",
                type: "timestamp with time zone",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "cancel_requested_at",
                table: "runs");
        }
    }
}
